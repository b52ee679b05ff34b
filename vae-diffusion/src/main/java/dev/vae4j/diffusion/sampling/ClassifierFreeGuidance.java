package dev.vae4j.diffusion.sampling;

import dev.vae4j.diffusion.Denoiser;
import java.util.Objects;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Classifier-free guidance (Ho and Salimans 2022) as a {@link Denoiser} any sampler can use: the prediction is
 * {@code uncond + g * (cond - uncond)} over the first {@link #latentChannels()} channels, as diffusers' DiTPipeline
 * computes it; learned-variance channels are dropped, as DiTPipeline does before {@code scheduler.step}. With g = 1, or
 * with null labels, the denoiser is called once and its prediction returned (DiTPipeline guides only above 1).
 *
 * <p>DiTPipeline runs the conditional and unconditional halves as one doubled batch; this class makes two calls with
 * the same latents, which gives the same numbers for a batch-independent model. A stochastic sampler draws noise for N
 * samples here, where DiTPipeline draws it for 2N.
 */
public final class ClassifierFreeGuidance implements Denoiser {
    private final Denoiser denoiser;
    private final double guidanceScale;

    /**
     * Guides {@code denoiser} with scale {@code guidanceScale} (DiT uses 4.0, Stable Diffusion 7.5).
     *
     * @throws IllegalArgumentException when the denoiser has no unconditional prediction or the scale is not a finite
     *     number >= 1
     */
    public ClassifierFreeGuidance(Denoiser denoiser, double guidanceScale) {
        this.denoiser = Objects.requireNonNull(denoiser, "denoiser");
        if (!denoiser.hasUnconditionalPrediction()) {
            throw new IllegalArgumentException("classifier-free guidance needs a denoiser with an unconditional"
                    + " prediction (trained with class dropout); this one (" + denoiser.numClasses()
                    + " classes) has none");
        }
        if (!(guidanceScale >= 1) || Double.isInfinite(guidanceScale)) {
            throw new IllegalArgumentException(
                    "guidance scale " + guidanceScale + " is not a finite number >= 1 (1: no guidance)");
        }
        this.guidanceScale = guidanceScale;
    }

    /** The guidance scale g. */
    public double guidanceScale() {
        return guidanceScale;
    }

    /** The guided prediction (N, {@link #latentChannels()}, H, W); shapes and labels as {@link Denoiser#predict}. */
    @Override
    public Tensor predict(Tensor latents, Tensor timesteps, Tensor labels) {
        int channels = denoiser.latentChannels();
        Tensor conditional = firstChannels(denoiser.predict(latents, timesteps, labels), channels);
        if (labels == null || guidanceScale == 1) {
            return conditional;
        }
        Tensor unconditional = firstChannels(denoiser.predict(latents, timesteps, null), channels);
        return unconditional.add(conditional.sub(unconditional).mul(new Scalar(guidanceScale)));
    }

    private static Tensor firstChannels(Tensor prediction, int channels) {
        return prediction.size(1) == channels ? prediction : prediction.narrow(1, 0, channels);
    }

    @Override
    public int latentChannels() {
        return denoiser.latentChannels();
    }

    /** The latent channels: the variance channels are dropped. */
    @Override
    public int predictionChannels() {
        return denoiser.latentChannels();
    }

    @Override
    public int numClasses() {
        return denoiser.numClasses();
    }

    @Override
    public boolean hasUnconditionalPrediction() {
        return true;
    }
}
