package dev.vae4j.diffusion.sampling;

import dev.vae4j.diffusion.schedule.NoiseSchedule;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * stanipov/pytorch-diffusion's {@code ddpm_steps} (from ermongroup/ddim) over {@code range(0, T, skip)}: with beta = 1
 * - a / a', x0 = sqrt(1 / a) x - sqrt(1 / a - 1) e clamped to [-1, 1], mean = (sqrt(a') beta x0 + sqrt(1 - beta) (1 -
 * a') x) / (1 - a), x' = mean + exp(log(beta) / 2) z, the noise term masked to 0 at timestep 0 (the noise is drawn at
 * every step). Stateless.
 */
public final class PytorchDiffusionDdpmSampler extends SkipSequenceSampler {

    /**
     * A sampler over {@code range(0, T, skip)} (ceil(T / skip) steps).
     *
     * @throws IllegalArgumentException when skip is outside [1, T]
     */
    public PytorchDiffusionDdpmSampler(NoiseSchedule schedule, int skip, NoiseSource noise) {
        super("pytorch-diffusion DDPM", schedule, skip, noise);
    }

    @Override
    public Tensor step(int step, Tensor modelOutput, Tensor latents) {
        Tensor epsilon = epsilon(step, modelOutput, latents);
        float at = sequence.alpha(step);
        float atPrev = sequence.alphaNext(step);
        float beta = 1f - at / atPrev;
        float inverse = 1f / at;
        Tensor original =
                latents.mul(new Scalar(Float32.sqrt(inverse))).sub(epsilon.mul(new Scalar(Float32.sqrt(inverse - 1f))));
        original = Predictions.clip(original, 1.0);
        Tensor mean = original.mul(new Scalar(Float32.sqrt(atPrev) * beta))
                .add(latents.mul(new Scalar(Float32.sqrt(1f - beta) * (1f - atPrev))))
                .div(new Scalar(1f - at));
        float mask = sequence.timestep(step) == 0 ? 0f : 1f;
        float std = Float32.exp(0.5f * Float32.log(beta));
        return mean.add(noise.normalLike(latents).mul(new Scalar(mask * std)));
    }
}
