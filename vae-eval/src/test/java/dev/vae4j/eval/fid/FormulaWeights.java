package dev.vae4j.eval.fid;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.testing.SplitMixUniform;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The deterministic weights of tools/reference/gen_metrics.py's FID fixture ({@code formula_value}): element i of
 * tensor {@code name} draws u in [0, 1) from SplitMix64 of {@code (crc32(name) << 32) + i}; conv weights are He-uniform
 * {@code (2u - 1) sqrt(6 / fan_in)}, BN weight and running_var {@code 0.5 + u}, BN bias {@code 0.2 (2u - 1)},
 * running_mean {@code 0.1 (2u - 1)}; values rounded to float32.
 */
final class FormulaWeights {
    private FormulaWeights() {}

    /** Fills every parameter and BatchNorm statistic of {@code module} in place. */
    static void fill(org.bytedeco.pytorch.Module module) {
        try (NoGradGuard guard = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : StateDict.of(module).entrySet()) {
                if (!e.getKey().endsWith("num_batches_tracked")) {
                    e.getValue()
                            .copy_(value(e.getKey(), e.getValue().sizes().vec().get()));
                }
            }
        }
    }

    static Tensor value(String name, long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        double[] uniform = SplitMixUniform.of(name, n);
        float[] out = new float[(int) n];
        for (int i = 0; i < n; i++) {
            double u = uniform[i];
            double v;
            if (name.endsWith("conv.weight")) {
                v = (2 * u - 1) * Math.sqrt(6.0 / (n / shape[0]));
            } else if (name.endsWith("bn.weight") || name.endsWith("running_var")) {
                v = 0.5 + u;
            } else if (name.endsWith("bn.bias")) {
                v = 0.2 * (2 * u - 1);
            } else if (name.endsWith("running_mean")) {
                v = 0.1 * (2 * u - 1);
            } else {
                throw new IllegalArgumentException("no formula for " + name);
            }
            out[i] = (float) v;
        }
        return torch.tensor(out).view(shape);
    }
}
