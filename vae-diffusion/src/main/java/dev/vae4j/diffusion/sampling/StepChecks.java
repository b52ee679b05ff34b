package dev.vae4j.diffusion.sampling;

import dev.vae4j.core.tensor.Shapes;
import org.bytedeco.pytorch.Tensor;

/** The argument checks every sampler runs before a step. */
final class StepChecks {
    private StepChecks() {}

    /** Checks that {@code step} is one of the {@code numSteps} steps of {@code sampler}. */
    static void requireStep(String sampler, int step, int numSteps) {
        if (step < 0 || step >= numSteps) {
            throw new IllegalArgumentException(
                    sampler + " step " + step + " is outside its " + numSteps + " steps [0, " + (numSteps - 1) + "]");
        }
    }

    /**
     * Checks the step and the shapes and returns the first C channels of {@code modelOutput}, C being the latents'
     * channels.
     */
    static Tensor prediction(String sampler, int step, int numSteps, Tensor modelOutput, Tensor latents) {
        requireStep(sampler, step, numSteps);
        requireLatents(latents, "latents");
        if (modelOutput == null || modelOutput.isNull() || !modelOutput.defined() || modelOutput.dim() != 4) {
            throw new IllegalArgumentException("model output must be 4-D (N, C, H, W), got "
                    + (modelOutput == null || modelOutput.isNull() || !modelOutput.defined()
                            ? "none"
                            : "shape " + Shapes.describe(modelOutput)));
        }
        long channels = latents.size(1);
        if (modelOutput.size(0) != latents.size(0)
                || modelOutput.size(2) != latents.size(2)
                || modelOutput.size(3) != latents.size(3)
                || modelOutput.size(1) < channels) {
            throw new IllegalArgumentException("model output shape " + Shapes.describe(modelOutput)
                    + " does not fit latents " + Shapes.describe(latents) + " (same N, H, W and at least "
                    + channels + " channels)");
        }
        return modelOutput.size(1) == channels ? modelOutput : modelOutput.narrow(1, 0, channels);
    }

    /** Checks that {@code latents} is a defined 4-D floating-point tensor. */
    static void requireLatents(Tensor latents, String what) {
        if (latents == null || latents.isNull() || !latents.defined()) {
            throw new IllegalArgumentException(what + " tensor is undefined");
        }
        if (latents.dim() != 4) {
            throw new IllegalArgumentException(what + " must be 4-D (N, C, H, W), got rank " + latents.dim() + " shape "
                    + Shapes.describe(latents));
        }
        if (!latents.is_floating_point()) {
            throw new IllegalArgumentException(what + " must be floating point, got " + latents.scalar_type());
        }
    }

    /** Checks that a sampler is asked for between 1 and {@code limit} steps. */
    static void requireStepCount(int steps, int limit, String what) {
        if (steps < 1 || steps > limit) {
            throw new IllegalArgumentException(
                    "num_inference_steps " + steps + " is outside [1, " + limit + "] (" + what + ")");
        }
    }
}
