package dev.vae4j.dwt.model;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tiny LiteVAEs against tools/reference/gen_litevae.py (tolerance 1e-4): {@code open_tiny} is built from open-LiteVAE's
 * own vendored modules (weights under its keys, loaded unrenamed), {@code paper_tiny} from the paper's App. G
 * transcription with the upstream SMC decoder.
 */
@Tag("parity")
class LiteVaeParityTest {
    @ParameterizedTest
    @ValueSource(strings = {"open_tiny", "paper_tiny"})
    void encoderAndDecoderMatchTheReference(String name) {
        Path dir = Fixtures.dir("litevae/" + name);
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader reader = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            Map<String, Tensor> io = reader.loadAll();
            LiteVae model = LiteVae.fromPretrained(dir);
            Fixtures.assertClose(
                    "LiteVAE " + name + " moments",
                    io.get("moments"),
                    model.encoder().forward(io.get("x")),
                    1e-4);
            Fixtures.assertClose(
                    "LiteVAE " + name + " posterior mean",
                    io.get("z"),
                    model.encode(io.get("x")).mean(),
                    1e-4);
            Fixtures.assertClose("LiteVAE " + name + " decoded", io.get("decoded"), model.decode(io.get("z")), 1e-4);
        }
    }
}
