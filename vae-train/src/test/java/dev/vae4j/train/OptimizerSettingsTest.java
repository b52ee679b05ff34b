package dev.vae4j.train;

import static org.bytedeco.pytorch.global.torch.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.tensor.TensorScope;
import java.util.List;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The optimizer libtorch builds uses the recipe's betas, in the recipe's order. */
class OptimizerSettingsTest {

    /**
     * Two steps on one parameter with gradients 1 then 0 move it by exactly {@code -lr * m / (sqrt(v) + eps)} with
     * {@code m = b1 (1 - b1) / (1 - b1^2)}, {@code v = b2 (1 - b2) / (1 - b2^2)}: swapped betas give a different second
     * step.
     */
    @ParameterizedTest
    @CsvSource({"adam, 0.5, 0.9", "adam, 0.9, 0.999", "adamw, 0.5, 0.9", "adamw, 0.8, 0.95"})
    void secondStepFollowsTheConfiguredBetas(String type, double beta1, double beta2) {
        try (TensorScope scope = new TensorScope()) {
            Tensor p = zeros(new long[] {1});
            p.requires_grad_(true);
            Optimizer optimizer = new OptimizerSettings(
                            OptimizerSettings.Algorithm.parse(type), 0.1, beta1, beta2, 1e-8, 0.0)
                    .create(List.of(p));
            p.sum().backward();
            optimizer.step();
            double first = p.item_double();
            optimizer.zero_grad(false);
            p.mul(new Scalar(0.0)).sum().backward();
            optimizer.step();
            double m = beta1 * (1 - beta1) / (1 - beta1 * beta1);
            double v = beta2 * (1 - beta2) / (1 - beta2 * beta2);
            assertEquals(-0.1, first, 1e-6);
            assertEquals(-0.1 * m / (Math.sqrt(v) + 1e-8), p.item_double() - first, 1e-6);
        }
    }
}
