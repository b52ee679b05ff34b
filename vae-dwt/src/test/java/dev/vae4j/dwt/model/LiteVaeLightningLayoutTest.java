package dev.vae4j.dwt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.CheckpointLayout;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * open-LiteVAE's Lightning {@code LiteAutoencoderKL} state dict ({@code open_tiny/lightning_keys.json} of
 * {@code gen_litevae.py}: encoder, decoder, loss and the {@code LitEma} copies) is detected as
 * {@link CheckpointLayout#OPEN_LITEVAE}, maps to exactly the keys of {@link LiteVae}, and loaded strictly reproduces
 * the reference forward (1e-4, as {@link LiteVaeParityTest}).
 */
@Tag("parity")
class LiteVaeLightningLayoutTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void lightningStateDictLoadsIntoLiteVae() throws IOException {
        Path dir = Fixtures.dir("litevae/open_tiny");
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields =
                JSON.readTree(dir.resolve("lightning_keys.json").toFile()).fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            long[] shape = new long[field.getValue().size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = field.getValue().get(i).asLong();
            }
            shapes.put(field.getKey(), shape);
        }
        List<String> names = new ArrayList<>(shapes.keySet());
        assertEquals(Optional.of(CheckpointLayout.OPEN_LITEVAE), CheckpointLayout.detect(names));
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader weights = SafetensorsReader.open(dir.resolve(LiteVae.WEIGHTS_FILE));
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            TensorSource lightning = new TensorSource() {
                @Override
                public List<String> names() {
                    return names;
                }

                @Override
                public long[] shape(String name) {
                    return shapes.get(name);
                }

                @Override
                public Tensor load(String name) {
                    return weights.contains(name) ? weights.load(name) : torch.zeros(shapes.get(name));
                }
            };
            TensorSource mapped = CheckpointLayout.OPEN_LITEVAE.toVae4jNames(lightning, 0);
            assertEquals(
                    weights.names().stream().sorted().toList(),
                    mapped.names().stream().sorted().toList());
            LiteVae model = new LiteVae(LiteVaeConfig.read(dir.resolve(LiteVae.CONFIG_FILE)));
            StateDict.load(model, mapped, true, "lightning state dict");
            Fixtures.assertClose("decoded", io.load("decoded"), model.decode(io.load("z")), 1e-4);
            Fixtures.assertClose(
                    "posterior mean", io.load("z"), model.encode(io.load("x")).mean(), 1e-4);
        }
    }
}
