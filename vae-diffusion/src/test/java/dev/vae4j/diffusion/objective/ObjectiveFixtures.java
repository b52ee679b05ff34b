package dev.vae4j.diffusion.objective;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** The fixtures of {@code tools/reference/gen_diffusion_objectives.py} and helpers to compare with them. */
final class ObjectiveFixtures {
    private ObjectiveFixtures() {}

    /** Every tensor of {@code objectives/<file>}, attached to the caller's scope. */
    static Map<String, Tensor> load(String file) {
        try (SafetensorsReader reader =
                SafetensorsReader.open(Fixtures.dir("objectives").resolve(file))) {
            return reader.loadAll();
        }
    }

    /** The schedule of stored float64 betas. */
    static NoiseSchedule schedule(Tensor betas) {
        return NoiseSchedule.fromBetas(ObjectiveTensors.doubles(betas));
    }

    /**
     * Asserts {@code max |expected - actual| <= tolerance * max(1, max |expected|)}: absolute for values of order 1,
     * relative for large ones (x0 recovered from eps at high noise, SNR near t = 0, sigma^-2 weights).
     */
    static double assertCloseScaled(String label, Tensor expected, Tensor actual, double tolerance) {
        double scale = Math.max(1.0, expected.to(ScalarType.Double).abs().max().item_double());
        return Fixtures.assertClose(
                label + (scale > 1 ? " (scaled by " + (float) scale + ")" : ""),
                expected.to(ScalarType.Double).div(new Scalar(scale)),
                actual.to(ScalarType.Double).div(new Scalar(scale)),
                tolerance);
    }
}
