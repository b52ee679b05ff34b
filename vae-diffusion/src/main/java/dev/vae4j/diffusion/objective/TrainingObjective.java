package dev.vae4j.diffusion.objective;

import dev.vae4j.diffusion.Denoiser;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * What a stage-2 trainer needs of a training objective ({@link DiffusionObjective}, {@link RectifiedFlowObjective}):
 * the random inputs of a batch drawn from a CPU generator, and the loss at given inputs.
 */
public interface TrainingObjective {
    /**
     * Draws the diffusion times and the noise of a batch like {@code x0} from {@code generator}, in the objective's
     * order (what {@link #compute(Denoiser, Tensor, Tensor, Generator)} draws).
     *
     * @param x0 (N, C, H, W) clean latents (only their shape, dtype and device are used)
     * @return the times (N) in the objective's units ({@link Draw#times()}) and noise of x0's shape, on x0's device
     */
    Draw draw(Tensor x0, Generator generator);

    /**
     * The objective at given times and noise.
     *
     * @param x0 (N, C, H, W) clean latents
     * @param labels (N) int64 class labels, or null
     * @param times (N) what {@link #draw} returns as {@link Draw#times()}
     * @param noise (N, C, H, W)
     */
    ObjectiveTerms compute(Denoiser denoiser, Tensor x0, Tensor labels, Tensor times, Tensor noise);

    /** Draws the times and noise from {@code generator} ({@link #draw}) and evaluates the objective. */
    default ObjectiveTerms compute(Denoiser denoiser, Tensor x0, Tensor labels, Generator generator) {
        Draw draw = draw(x0, generator);
        return compute(denoiser, x0, labels, draw.times(), draw.noise());
    }

    /**
     * The random inputs of a batch.
     *
     * @param times (N): int64 steps in [0, T) for a discrete schedule, float32 noise levels sigma in (0, 1] for
     *     rectified flow
     * @param noise (N, C, H, W) standard normal noise
     */
    record Draw(Tensor times, Tensor noise) {}
}
