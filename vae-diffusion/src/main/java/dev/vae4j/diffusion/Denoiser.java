package dev.vae4j.diffusion;

import org.bytedeco.pytorch.Tensor;

/**
 * A network that predicts, from noisy latents at a diffusion time, what its objective trained it to predict: the noise,
 * the velocity, the clean latents or the flow. Every sampler and training objective talks to a model through this
 * interface only.
 *
 * <p>Shapes and units: {@code latents} (N, {@link #latentChannels()}, H, W) float; {@code timesteps} (N) float, in the
 * units the model was trained with (integer steps 0..T-1 of a discrete schedule; for flow matching diffusers'
 * {@code sigma * 1000}); {@code labels} (N) int64 class indices in [0, {@link #numClasses()}), or {@code null} for the
 * unconditional prediction (the null class of classifier-free guidance). The result is (N,
 * {@link #predictionChannels()}, H, W) float: the first {@link #latentChannels()} channels are the prediction; a model
 * that also learns its variance (DiT's learned sigma) appends as many variance channels, which samplers ignore.
 */
public interface Denoiser {

    /**
     * The prediction for {@code latents} at {@code timesteps}, conditioned on {@code labels} (null: unconditional).
     *
     * @throws IllegalArgumentException when the latents' channels or size do not fit the model, the timesteps are not
     *     one per sample, or a label is outside [0, numClasses) (or null labels are given to a model that has no
     *     unconditional prediction)
     */
    Tensor predict(Tensor latents, Tensor timesteps, Tensor labels);

    /** Channels of the latents the model denoises (4 for SD's KL-f8 latents). */
    int latentChannels();

    /** Channels of {@link #predict}'s result: {@link #latentChannels()}, or twice that with a learned variance. */
    int predictionChannels();

    /** Number of classes the model is conditioned on; 0 for an unconditional model. */
    int numClasses();

    /** Whether {@link #predict} accepts null labels (an unconditional model, or one trained with class dropout). */
    boolean hasUnconditionalPrediction();

    /**
     * Whether the model has a null class that single samples of a batch can be switched to
     * ({@link #predictDroppingLabels}): what class dropout for classifier-free guidance needs in training.
     */
    default boolean dropsLabelsPerSample() {
        return false;
    }

    /**
     * {@link #predict} with the label of each sample whose entry of {@code dropped} is 1 replaced by the null class,
     * the others conditioned on their label.
     *
     * @param dropped (N) int64 or bool, 1 where the sample's label is dropped
     * @throws IllegalArgumentException as {@link #predict}, and when the model has no per-sample null class
     *     ({@link #dropsLabelsPerSample()} false)
     */
    default Tensor predictDroppingLabels(Tensor latents, Tensor timesteps, Tensor labels, Tensor dropped) {
        throw new IllegalArgumentException(getClass().getSimpleName()
                + " has no null class to drop single labels to (class dropout needs one, as DiT's label table has)");
    }
}
