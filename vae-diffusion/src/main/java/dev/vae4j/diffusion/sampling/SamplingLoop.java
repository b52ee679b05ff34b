package dev.vae4j.diffusion.sampling;

import static org.bytedeco.pytorch.global.torch.full;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.Denoiser;
import java.util.Objects;
import org.bytedeco.pytorch.DimnameListOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Runs a {@link Sampler} with a {@link Denoiser} from initial noise to clean latents, as diffusers' pipelines loop over
 * {@code scheduler.timesteps} (every sampler here has an initial noise sigma of 1, so the noise is used as given).
 * Autograd is off, and each step runs in its own {@code TensorScope}: only the current latents (and a multistep
 * sampler's history) live between steps, so memory stays flat however many steps run.
 */
public final class SamplingLoop {
    private final Denoiser denoiser;
    private final Sampler sampler;

    /** A loop of {@code sampler} over {@code denoiser}. */
    public SamplingLoop(Denoiser denoiser, Sampler sampler) {
        this.denoiser = Objects.requireNonNull(denoiser, "denoiser");
        this.sampler = Objects.requireNonNull(sampler, "sampler");
    }

    /**
     * The latents after every step of the sampler, starting from {@code noise} (N, C, H, W) float, C the denoiser's
     * latent channels, with class {@code labels} (N) int64 or null (unconditional). Returns a new (N, C, H, W) tensor;
     * {@code noise} is not modified.
     *
     * @throws IllegalArgumentException when the noise is not 4-D with the denoiser's latent channels (or the denoiser
     *     rejects the labels)
     */
    public Tensor run(Tensor noise, Tensor labels) {
        StepChecks.requireLatents(noise, "initial noise");
        if (noise.size(1) != denoiser.latentChannels()) {
            throw new IllegalArgumentException("initial noise has " + noise.size(1) + " channels; the denoiser takes "
                    + denoiser.latentChannels());
        }
        CarriedTensor latents = new CarriedTensor();
        try (NoGradGuard noGrad = new NoGradGuard()) {
            latents.set(noise);
            for (int i = 0; i < sampler.numSteps(); i++) {
                try (TensorScope step = new TensorScope()) {
                    Tensor current = latents.get();
                    Tensor timesteps = full(
                                    new long[] {current.size(0)},
                                    new Scalar(sampler.timestep(i)),
                                    new DimnameListOptional(),
                                    new TensorOptions(ScalarType.Float))
                            .to(current.device(), ScalarType.Float);
                    Tensor prediction = denoiser.predict(current, timesteps, labels);
                    latents.set(sampler.step(i, prediction, current));
                }
            }
            return new Tensor(latents.get());
        } finally {
            latents.release();
        }
    }
}
