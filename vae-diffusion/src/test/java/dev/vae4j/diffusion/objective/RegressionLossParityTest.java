package dev.vae4j.diffusion.objective;

import static dev.vae4j.core.testing.Fixtures.assertClose;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.PredictionType;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each loss (pytorch-diffusion's {@code loss_fn}: {@code nn.MSELoss}, {@code nn.L1Loss}, {@code nn.HuberLoss}) for each
 * prediction type's target, plain and min-SNR weighted (gamma 5, diffusers' {@code compute_snr} and
 * {@code train_text_to_image.py}'s per-sample weighting), and its gradient w.r.t. the prediction, matched in fp32 to
 * 1e-6 absolute; the weights themselves to 1e-5 (diffusers' float32 SNR, see {@link ForwardProcessParityTest}, puts
 * them 4.8e-7 from vae4j's).
 */
@Tag("parity")
class RegressionLossParityTest {
    private static final double TOLERANCE = 1e-6;
    private static final double WEIGHT_TOLERANCE = 1e-5;
    private static final double GAMMA = 5.0;

    @ParameterizedTest
    @EnumSource(PredictionType.class)
    void lossesAndGradientsMatchTheReferences(PredictionType type) {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> f = ObjectiveFixtures.load("discrete.safetensors");
            ForwardProcess process = new ForwardProcess(ObjectiveFixtures.schedule(f.get("betas_linear")));
            String name = type.configName();
            Tensor t = f.get("timesteps");
            Tensor target = process.target(type, f.get("x0"), f.get("noise"), t);
            Tensor weights = new MinSnrWeighting(GAMMA).weights(process.snr(t), type);
            assertClose(name + " min-SNR weights", f.get("min_snr_weights_" + name), weights, WEIGHT_TOLERANCE);
            for (RegressionLoss loss : RegressionLoss.values()) {
                for (boolean minSnr : new boolean[] {false, true}) {
                    String key = name + "_" + loss.name().toLowerCase(Locale.ROOT) + (minSnr ? "_min_snr" : "_plain");
                    Tensor prediction =
                            f.get("prediction_" + name).detach().clone().requires_grad_(true);
                    Tensor value =
                            minSnr ? loss.weightedMean(prediction, target, weights) : loss.mean(prediction, target);
                    value.backward();
                    assertClose("loss " + key, f.get("loss_" + key), value.detach(), TOLERANCE);
                    assertClose("grad " + key, f.get("grad_" + key), prediction.grad(), TOLERANCE);
                }
            }
        }
    }
}
