package dev.vae4j.core.model.tiny;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link AutoencoderTiny} against madebyollin/taesd's own {@code taesd.py} ({@code tools/reference/
 * gen_autoencoder_tiny.py}) for each of its variants, with seeded random weights rebuilt here in taesd.py's key layout
 * and loaded through {@link TaesdCheckpoints} (which must infer the variant from the keys): taesd (4 latent channels),
 * taesd3 (16), taef2 (32, FLUX.2's GroupNorm pooling), taesana (f32 encoder and decoder). fp32 on the CPU, max |diff|
 * <= 1e-4 in taesd.py's [0, 1] image range.
 */
@Tag("parity")
class AutoencoderTinyParityTest {
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"taesd", "taesd3", "taef2", "taesana"})
    void matchesTaesdPy(String variant) {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard();
                SafetensorsReader io =
                        SafetensorsReader.open(Fixtures.dir("autoencoder_tiny/" + variant + ".safetensors"))) {
            AutoencoderTinyConfig preset = AutoencoderTinyConfig.presets().get(variant);
            Map<String, Tensor> expected = io.loadAll();
            Map<String, Tensor> encoderWeights = TaesdWeights.of(
                    preset, "encoder", expected.get("encoder_seed").item_long());
            Map<String, Tensor> decoderWeights = TaesdWeights.of(
                    preset, "decoder", expected.get("decoder_seed").item_long());
            double encoderSum = TaesdWeights.absSum(encoderWeights);
            double decoderSum = TaesdWeights.absSum(decoderWeights);
            assertEquals(
                    expected.get("encoder_abs_sum").item_double(),
                    encoderSum,
                    1e-6 * encoderSum,
                    "the encoder weights rebuilt in Java are the script's");
            assertEquals(
                    expected.get("decoder_abs_sum").item_double(),
                    decoderSum,
                    1e-6 * decoderSum,
                    "the decoder weights rebuilt in Java are the script's");

            AutoencoderTiny model = TaesdCheckpoints.fromStateDicts(
                    TaesdWeights.source(encoderWeights),
                    "encoder",
                    TaesdWeights.source(decoderWeights),
                    "decoder",
                    variant);
            assertEquals(preset, model.config(), "architecture inferred from taesd.py's keys");
            assertEquals(expected.get("encoder_params").item_long(), StateDict.parameterCount(model.encoder()));
            assertEquals(expected.get("decoder_params").item_long(), StateDict.parameterCount(model.decoder()));
            model.eval();

            Tensor image = expected.get("image").mul(new Scalar(2.0)).sub(new Scalar(1.0));
            assertClose(
                    variant + " encoded",
                    expected.get("encoded"),
                    model.encode(image).mean(),
                    TOLERANCE);
            Tensor decoded =
                    model.decode(expected.get("latents")).add(new Scalar(1.0)).div(new Scalar(2.0));
            assertClose(variant + " decoded", expected.get("decoded"), decoded, TOLERANCE);
        }
    }
}
