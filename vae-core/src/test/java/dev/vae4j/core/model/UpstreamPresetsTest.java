package dev.vae4j.core.model;

import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Parameter counts of the {@code vqgan-training-f8c16} and {@code linear-attention-f8c4} presets against the counts of
 * the upstream projects' own modules at the same configurations ({@code counts.json}, written by
 * {@code tools/reference/gen_vqgan_training.py} from cloneofsimo/vqgan-training's {@code ae.VAE} and by
 * {@code tools/reference/gen_pytorch_diffusion.py} from stanipov/pytorch-diffusion's {@code VAE} built from
 * {@code configs/vae_f8.json}). Exact equality.
 */
class UpstreamPresetsTest {
    private static JsonNode counts(String fixture) throws IOException {
        return new ObjectMapper()
                .readTree(Fixtures.dir(fixture).resolve("counts.json").toFile());
    }

    @Test
    void vqganTrainingF8c16MatchesUpstreamAePy() throws IOException {
        JsonNode expected = counts("vqgan_training").get("vqgan-training-f8c16");
        AutoencoderKLConfig config = AutoencoderKLConfig.preset("vqgan-training-f8c16");
        manual_seed(0);
        // Built one half at a time and freed at once: the whole model holds 1.3 GB of float32 weights.
        try (TensorScope scope = new TensorScope();
                Encoder built = new Encoder(config)) {
            assertEquals(expected.get("encoder").asLong(), StateDict.parameterCount(built));
        }
        try (TensorScope scope = new TensorScope();
                Decoder built = new Decoder(config)) {
            assertEquals(expected.get("decoder").asLong(), StateDict.parameterCount(built));
        }
    }

    @Test
    void linearAttentionF8c4MatchesUpstreamVaeF8Json() throws IOException {
        long expected = counts("pytorch_diffusion")
                .get("linear-attention-f8c4")
                .get("total")
                .asLong();
        manual_seed(0);
        try (TensorScope scope = new TensorScope();
                AutoencoderKL model = new AutoencoderKL(AutoencoderKLConfig.preset("linear-attention-f8c4"))) {
            assertEquals(expected, StateDict.parameterCount(model));
            assertEquals(8, model.downsamplingFactor());
        }
    }
}
