package dev.vae4j.diffusion.sampling;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.Denoiser;
import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Class-conditional sampling as diffusers' {@code DiTPipeline.__call__} runs its loop: the initial latents denoised by
 * a sampler with the class labels, guided (scale above 1) by classifier-free guidance against the null class.
 */
public final class GuidedSampling {
    private GuidedSampling() {}

    /**
     * The final latents (B, C, s, s) float32 from initial latents {@code noise} (B, C, s, s), one per label.
     *
     * @throws IllegalArgumentException for no labels, an unconditional denoiser, a label outside the denoiser's [0,
     *     numClasses), noise that is not one latent (C, H, W) per label, or a guidance scale that is not a finite
     *     number >= 1
     */
    public static Tensor run(Denoiser denoiser, Sampler sampler, double guidance, long[] classLabels, Tensor noise) {
        Objects.requireNonNull(denoiser, "denoiser");
        Objects.requireNonNull(sampler, "sampler");
        Objects.requireNonNull(noise, "noise");
        if (classLabels.length == 0) {
            throw new IllegalArgumentException("no class labels to sample");
        }
        long numClasses = denoiser.numClasses();
        if (numClasses == 0) {
            throw new IllegalArgumentException(
                    "the model is unconditional (trained without labels): it samples no" + " classes");
        }
        for (long label : classLabels) {
            if (label < 0 || label >= numClasses) {
                throw new IllegalArgumentException(
                        "class id " + label + " is outside the model's [0, " + (numClasses - 1) + "]");
            }
        }
        if (noise.dim() != 4 || noise.size(0) != classLabels.length) {
            throw new IllegalArgumentException("initial noise "
                    + Arrays.toString(noise.sizes().vec().get()) + " is not (" + classLabels.length
                    + ", C, H, W): one latent per class label");
        }
        if (!(guidance >= 1) || Double.isInfinite(guidance)) {
            throw new IllegalArgumentException("guidance scale " + guidance + " is not a finite number >= 1");
        }
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            Tensor labels = Tensor.create(classLabels);
            Denoiser guided = guidance > 1 ? new ClassifierFreeGuidance(denoiser, guidance) : denoiser;
            return scope.keep(new SamplingLoop(guided, sampler).run(noise, labels));
        }
    }
}
