package dev.vae4j.diffusion.objective;

import static dev.vae4j.diffusion.objective.ObjectiveTensors.column;
import static dev.vae4j.diffusion.objective.ObjectiveTensors.requireLatents;
import static dev.vae4j.diffusion.objective.ObjectiveTensors.requirePerSample;
import static dev.vae4j.diffusion.objective.ObjectiveTensors.requireSameShape;
import static dev.vae4j.diffusion.objective.ObjectiveTensors.vector;

import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.diffusion.PredictionType;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The Gaussian forward process of a discrete noise schedule, {@code x_t = sqrt(ab_t) x0 + sqrt(1 - ab_t) eps} with
 * {@code ab} the schedule's alphas_cumprod, and the algebra that follows from it: diffusers'
 * {@code DDPMScheduler.add_noise} and {@code get_velocity}, the conversions between the three {@link PredictionType}s
 * that its schedulers' {@code step} and {@code convert_model_output} perform, and {@code training_utils.compute_snr}.
 *
 * <p>Shapes: latents, noise and predictions (N, C, H, W) floating point; {@code timesteps} (N) integer steps in [0, T).
 * The per-sample coefficients are computed in float64 from the schedule and applied in the latents' dtype (diffusers
 * computes alphas_cumprod in float32; the two agree to about 1e-7 relative).
 */
public final class ForwardProcess {
    private final double[] alphasCumprod;

    /** The forward process of {@code schedule}. */
    public ForwardProcess(NoiseSchedule schedule) {
        this.alphasCumprod = schedule.alphasCumprod();
    }

    /** T, the number of training timesteps; valid timesteps are 0..T-1. */
    public int trainTimesteps() {
        return alphasCumprod.length;
    }

    /**
     * {@code x_t = sqrt(ab_t) x0 + sqrt(1 - ab_t) noise}, as {@code DDPMScheduler.add_noise} and pytorch-diffusion's
     * {@code Diffusion.q_sample}.
     */
    public Tensor addNoise(Tensor x0, Tensor noise, Tensor timesteps) {
        requireLatents(x0, "x0");
        requireSameShape(x0, "x0", noise, "noise");
        Coefficients c = at(timesteps, x0);
        return c.signal.mul(x0).add(c.sigma.mul(noise));
    }

    /** {@code v = sqrt(ab_t) noise - sqrt(1 - ab_t) x0}, as {@code DDPMScheduler.get_velocity}. */
    public Tensor velocity(Tensor x0, Tensor noise, Tensor timesteps) {
        requireLatents(x0, "x0");
        requireSameShape(x0, "x0", noise, "noise");
        Coefficients c = at(timesteps, x0);
        return c.signal.mul(noise).sub(c.sigma.mul(x0));
    }

    /** What a {@code type} model is trained to predict: the noise, the velocity or x0. */
    public Tensor target(PredictionType type, Tensor x0, Tensor noise, Tensor timesteps) {
        if (type == PredictionType.V_PREDICTION) {
            return velocity(x0, noise, timesteps);
        }
        requireLatents(x0, "x0");
        requireSameShape(x0, "x0", noise, "noise");
        checkedIndices(timesteps, x0.size(0));
        return type == PredictionType.EPSILON ? noise : x0;
    }

    /**
     * The x0 that a {@code type} prediction implies at {@code noisy} (x_t): {@code (x_t - sqrt(1 - ab) eps) /
     * sqrt(ab)}, {@code sqrt(ab) x_t - sqrt(1 - ab) v} or the prediction itself, as {@code DDPMScheduler.step}'s
     * {@code pred_original_sample}.
     */
    public Tensor toSample(PredictionType type, Tensor prediction, Tensor noisy, Tensor timesteps) {
        requireLatents(noisy, "noisy latents");
        requireSameShape(noisy, "noisy latents", prediction, "prediction");
        Coefficients c = at(timesteps, noisy);
        return switch (type) {
            case EPSILON -> noisy.sub(c.sigma.mul(prediction)).div(c.signal);
            case V_PREDICTION -> c.signal.mul(noisy).sub(c.sigma.mul(prediction));
            case SAMPLE -> prediction;
        };
    }

    /**
     * The noise that a {@code type} prediction implies at {@code noisy} (x_t): the prediction itself, {@code (x_t -
     * sqrt(ab) x0) / sqrt(1 - ab)} or {@code sqrt(ab) v + sqrt(1 - ab) x_t}, as {@code DPMSolverMultistepScheduler}'s
     * {@code convert_model_output} (algorithm {@code dpmsolver}).
     */
    public Tensor toEpsilon(PredictionType type, Tensor prediction, Tensor noisy, Tensor timesteps) {
        requireLatents(noisy, "noisy latents");
        requireSameShape(noisy, "noisy latents", prediction, "prediction");
        Coefficients c = at(timesteps, noisy);
        return switch (type) {
            case EPSILON -> prediction;
            case V_PREDICTION -> c.signal.mul(prediction).add(c.sigma.mul(noisy));
            case SAMPLE -> noisy.sub(c.signal.mul(prediction)).div(c.sigma);
        };
    }

    /**
     * The velocity that a {@code type} prediction implies at {@code noisy} (x_t): {@code sqrt(ab) eps - sqrt(1 - ab)
     * x0} of {@link #toEpsilon} and {@link #toSample}, or the prediction itself.
     */
    public Tensor toVelocity(PredictionType type, Tensor prediction, Tensor noisy, Tensor timesteps) {
        if (type == PredictionType.V_PREDICTION) {
            requireLatents(noisy, "noisy latents");
            requireSameShape(noisy, "noisy latents", prediction, "prediction");
            checkedIndices(timesteps, noisy.size(0));
            return prediction;
        }
        Tensor epsilon = toEpsilon(type, prediction, noisy, timesteps);
        Tensor sample = toSample(type, prediction, noisy, timesteps);
        Coefficients c = at(timesteps, noisy);
        return c.signal.mul(epsilon).sub(c.sigma.mul(sample));
    }

    /**
     * The signal-to-noise ratio {@code ab_t / (1 - ab_t)} (N) float32, as diffusers' {@code training_utils.compute_snr}
     * (which computes it in float32; this one in float64, then rounds).
     */
    public Tensor snr(Tensor timesteps) {
        if (timesteps.dim() != 1) {
            throw new IllegalArgumentException("timesteps must be 1-D (N), got shape " + Shapes.describe(timesteps));
        }
        int[] indices = checkedIndices(timesteps, timesteps.size(0));
        double[] values = new double[indices.length];
        for (int i = 0; i < values.length; i++) {
            double ab = alphasCumprod[indices[i]];
            values[i] = ab / (1.0 - ab);
        }
        return vector(values, timesteps.device(), ScalarType.Float);
    }

    /** sqrt(ab_t) and sqrt(1 - ab_t) per sample, each (N, 1, 1, 1) in the latents' dtype and device. */
    private record Coefficients(Tensor signal, Tensor sigma) {}

    /** The coefficients at {@code timesteps} (read once from the device), shaped to scale {@code like}. */
    private Coefficients at(Tensor timesteps, Tensor like) {
        int[] indices = checkedIndices(timesteps, like.size(0));
        double[] signal = new double[indices.length];
        double[] sigma = new double[indices.length];
        for (int i = 0; i < indices.length; i++) {
            double ab = alphasCumprod[indices[i]];
            signal[i] = Math.sqrt(ab);
            sigma[i] = Math.sqrt(1.0 - ab);
        }
        return new Coefficients(
                column(vector(signal, like.device(), like.scalar_type())),
                column(vector(sigma, like.device(), like.scalar_type())));
    }

    /**
     * The timesteps as array indices, checked: 1-D, {@code n} of them, integer, each in [0, T).
     *
     * @throws IllegalArgumentException naming the shape, dtype or value at fault and the limit
     */
    private int[] checkedIndices(Tensor timesteps, long n) {
        requirePerSample(timesteps, "timesteps", n);
        if (timesteps.is_floating_point() || timesteps.is_complex()) {
            throw new IllegalArgumentException(
                    "timesteps must be integer steps (int64), got " + timesteps.scalar_type());
        }
        long[] values = ObjectiveTensors.longs(timesteps);
        int[] indices = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] >= alphasCumprod.length) {
                throw new IllegalArgumentException(
                        "timestep " + values[i] + " is outside [0, " + alphasCumprod.length + ")");
            }
            indices[i] = (int) values[i];
        }
        return indices;
    }
}
