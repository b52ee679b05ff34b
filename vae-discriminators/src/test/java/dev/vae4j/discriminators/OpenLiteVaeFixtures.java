package dev.vae4j.discriminators;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Shared checks for the fixtures of tools/reference/gen_litevae_discriminators.py (open-LiteVAE's UNetGAN and GigaGAN
 * code): preset parameter counts, and comparisons to 1e-4 relative to the expected tensor's largest magnitude (at least
 * 1).
 */
final class OpenLiteVaeFixtures {
    static final double RELATIVE_TOLERANCE = 1e-4;

    private OpenLiteVaeFixtures() {}

    /** The upstream parameter count of a {@link DiscriminatorPresets} name ({@code parameter_counts.json}). */
    static long parameterCount(String preset) {
        try {
            JsonNode counts = new ObjectMapper()
                    .readTree(Fixtures.dir("parameter_counts.json").toFile());
            assertTrue(counts.has(preset), "parameter_counts.json lacks " + preset);
            return counts.get(preset).asLong();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** max|expected - actual| <= 1e-4 * max(1, max|expected|). */
    static void assertClose(String label, Tensor expected, Tensor actual) {
        Tensor want = expected.to(torch.ScalarType.Double);
        double scale = Math.max(1.0, want.abs().max().item_double());
        Fixtures.assertClose(label, want, actual.detach().to(torch.ScalarType.Double), RELATIVE_TOLERANCE * scale);
    }

    /** Every {@code grad.<key>} against the parameter's gradient and every {@code after.<key>} against the buffer. */
    static void assertGradsAndBuffers(String label, Module module, Map<String, Tensor> expected) {
        Map<String, Tensor> state = StateDict.of(module);
        int grads = 0;
        int buffers = 0;
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            String key = e.getKey();
            if (key.startsWith("grad.")) {
                Tensor p = state.get(key.substring(5));
                assertTrue(p != null && p.grad().defined(), label + ": no gradient for " + key);
                assertClose(label + " " + key, e.getValue(), p.grad());
                grads++;
            } else if (key.startsWith("after.")) {
                Tensor b = state.get(key.substring(6));
                assertTrue(b != null, label + ": no tensor " + key);
                assertClose(label + " " + key, e.getValue(), b);
                buffers++;
            }
        }
        assertFalse(grads == 0 || buffers == 0, label + ": fixture has no gradients or buffers");
    }
}
