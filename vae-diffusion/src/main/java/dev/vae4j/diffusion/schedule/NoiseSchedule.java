package dev.vae4j.diffusion.schedule;

import org.bytedeco.pytorch.Tensor;

/**
 * The forward process of a discrete-time diffusion model: T betas and the cumulative products alpha-bar_t, the product
 * of (1 - beta_s) over s = 0..t, for t = 0..T-1. Immutable.
 *
 * <p>Precision follows the references: the betas are float32 values (diffusers and pytorch-diffusion hold them as
 * float32 tensors), the alphas {@code 1 - beta} are rounded to float32, and their cumulative product is accumulated in
 * float64 and rounded to float32 per element, as libtorch's CPU {@code cumprod} does with a float32 tensor. So
 * {@link #alphasCumprodTensor()} equals diffusers' {@code scheduler.alphas_cumprod} bit for bit and
 * {@link #alphasCumprod()} holds the float64 values before that rounding.
 */
public final class NoiseSchedule {
    private final double[] betas;
    private final double[] alphasCumprod;

    private NoiseSchedule(double[] betas) {
        this.betas = betas;
        this.alphasCumprod = new double[betas.length];
        double product = 1.0;
        for (int t = 0; t < betas.length; t++) {
            product *= (float) (1.0 - betas[t]);
            alphasCumprod[t] = product;
        }
    }

    /**
     * A schedule of the given betas, rounded to float32 (as diffusers' {@code trained_betas} are).
     *
     * @throws IllegalArgumentException when there are no betas or one is not in (0, 1] after rounding
     */
    public static NoiseSchedule fromBetas(double[] betas) {
        if (betas == null || betas.length == 0) {
            throw new IllegalArgumentException("a noise schedule needs at least one beta, got none");
        }
        double[] rounded = new double[betas.length];
        for (int t = 0; t < betas.length; t++) {
            rounded[t] = (float) betas[t];
            if (!(rounded[t] > 0 && rounded[t] <= 1)) {
                throw new IllegalArgumentException(
                        "beta[" + t + "] = " + betas[t] + " is outside (0, 1] (as float32: " + rounded[t] + ")");
            }
        }
        return new NoiseSchedule(rounded);
    }

    /**
     * The betas of diffusers' {@code DDPMScheduler(beta_schedule=..., beta_start, beta_end, num_train_timesteps)}
     * ({@code beta_start}/{@code beta_end} unused by {@link BetaSchedule#SQUAREDCOS_CAP_V2}). Add
     * {@code rescale_betas_zero_snr} with {@link #withZeroTerminalSnr()}.
     *
     * @throws IllegalArgumentException for fewer than 2 timesteps or betas outside (0, 1]
     */
    public static NoiseSchedule diffusers(BetaSchedule schedule, int trainTimesteps, double betaStart, double betaEnd) {
        requireTimesteps(trainTimesteps, 2);
        return fromBetas(
                switch (schedule) {
                    case LINEAR -> BetaMath.linear(trainTimesteps, betaStart, betaEnd);
                    case SCALED_LINEAR -> BetaMath.scaledLinear(trainTimesteps, betaStart, betaEnd);
                    case SQUAREDCOS_CAP_V2 -> BetaMath.squaredcosCapV2(trainTimesteps);
                    case SIGMOID -> BetaMath.sigmoid(trainTimesteps, betaStart, betaEnd);
                });
    }

    /** diffusers' default schedule: linear betas from 0.0001 to 0.02 over 1000 steps. */
    public static NoiseSchedule diffusersDefault() {
        return diffusers(BetaSchedule.LINEAR, 1000, 0.0001, 0.02);
    }

    /**
     * The betas of stanipov/pytorch-diffusion's {@code get_betas(timesteps, noise_kw)}: {@code s} is the cosine offset
     * (its default 0.008), {@code betaStart}/{@code betaEnd} (defaults 0.0001, 0.02) the other schedules' range.
     *
     * @throws IllegalArgumentException for fewer than 2 timesteps, s outside [0, 1) or betas outside (0, 1]
     */
    public static NoiseSchedule pytorchDiffusion(
            PytorchDiffusionSchedule schedule, int timesteps, double s, double betaStart, double betaEnd) {
        requireTimesteps(timesteps, 2);
        if (!(s >= 0 && s < 1)) {
            throw new IllegalArgumentException("cosine offset s = " + s + " is outside [0, 1)");
        }
        return fromBetas(
                switch (schedule) {
                    case COSINE -> BetaMath.cosine(timesteps, s);
                    case LINEAR -> BetaMath.linear(timesteps, betaStart, betaEnd);
                    case QUADRATIC -> BetaMath.scaledLinear(timesteps, betaStart, betaEnd);
                    case SIGMOID -> BetaMath.sigmoid(timesteps, betaStart, betaEnd);
                });
    }

    /**
     * This schedule rescaled to zero terminal SNR as diffusers' {@code rescale_betas_zero_snr=True} does
     * ({@code rescale_zero_terminal_snr}, float32): alpha-bar_{T-1} becomes 0, i.e. the last beta 1.
     */
    public NoiseSchedule withZeroTerminalSnr() {
        return fromBetas(BetaMath.rescaleZeroTerminalSnr(betas));
    }

    /** The betas, float32 values (a copy). */
    public double[] betas() {
        return betas.clone();
    }

    /** alpha-bar_t for t = 0..T-1, the float64 running product of the float32 alphas (a copy). */
    public double[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    /** alpha-bar_t rounded to float32: what the samplers compute with (diffusers' {@code alphas_cumprod[t]}). */
    public float alphaCumprod(int t) {
        if (t < 0 || t >= alphasCumprod.length) {
            throw new IllegalArgumentException(
                    "timestep " + t + " is outside the schedule's [0, " + (alphasCumprod.length - 1) + "]");
        }
        return (float) alphasCumprod[t];
    }

    /** T, the number of training timesteps. */
    public int trainTimesteps() {
        return betas.length;
    }

    /** alpha-bar as a new float32 (T) CPU tensor. */
    public Tensor alphasCumprodTensor() {
        return BetaMath.floatTensor(alphasCumprod);
    }

    private static void requireTimesteps(int timesteps, int minimum) {
        if (timesteps < minimum) {
            throw new IllegalArgumentException(
                    "num_train_timesteps " + timesteps + " is below the minimum of " + minimum);
        }
    }
}
