package dev.vae4j.diffusion.sampling;

import dev.vae4j.diffusion.schedule.NoiseSchedule;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * stanipov/pytorch-diffusion's {@code generalized_steps} (DDIM with eta, from ermongroup/ddim), as its
 * {@code Diffusion.p_sample} runs it over {@code range(0, T, skip)}: for an epsilon prediction e at alpha-bar a, x0 =
 * (x - e sqrt(1 - a)) / sqrt(a), c1 = eta sqrt((1 - a / a') (1 - a') / (1 - a)), c2 = sqrt(1 - a' - c1^2), x' =
 * sqrt(a') x0 + c1 z + c2 e. No clipping; the noise z is drawn at every step, eta 0 included, as upstream draws it.
 * Stateless.
 */
public final class PytorchDiffusionDdimSampler extends SkipSequenceSampler {
    private final double eta;

    /**
     * A sampler over {@code range(0, T, skip)} (ceil(T / skip) steps).
     *
     * @throws IllegalArgumentException when skip is outside [1, T] or eta is negative or not finite
     */
    public PytorchDiffusionDdimSampler(NoiseSchedule schedule, int skip, double eta, NoiseSource noise) {
        super("pytorch-diffusion DDIM", schedule, skip, noise);
        if (!(eta >= 0) || Double.isInfinite(eta)) {
            throw new IllegalArgumentException("eta " + eta + " is not a finite number >= 0");
        }
        this.eta = eta;
    }

    @Override
    public Tensor step(int step, Tensor modelOutput, Tensor latents) {
        Tensor epsilon = epsilon(step, modelOutput, latents);
        float at = sequence.alpha(step);
        float atNext = sequence.alphaNext(step);
        Tensor original =
                latents.sub(epsilon.mul(new Scalar(Float32.sqrt(1f - at)))).div(new Scalar(Float32.sqrt(at)));
        float c1 = (float) eta * Float32.sqrt((1f - at / atNext) * (1f - atNext) / (1f - at));
        float c2 = Float32.sqrt((1f - atNext) - c1 * c1);
        return original.mul(new Scalar(Float32.sqrt(atNext)))
                .add(noise.normalLike(latents).mul(new Scalar(c1)))
                .add(epsilon.mul(new Scalar(c2)));
    }
}
