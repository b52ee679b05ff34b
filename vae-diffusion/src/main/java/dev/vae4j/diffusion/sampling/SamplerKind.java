package dev.vae4j.diffusion.sampling;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A sampler family chosen by name ({@code vae sample --sampler}): DDIM (with its eta), DDPM, DPM-Solver++ (multistep,
 * second order) on a discrete noise schedule, or Euler on a rectified-flow path. Which schedule or path a family runs
 * on is the model's: see {@code SchedulerConfig#sampler(SamplerKind, int, double, NoiseSource)} and
 * {@code Stage2Samplers}.
 */
public enum SamplerKind {
    /** DDIM ({@link DdimSampler}, {@link PytorchDiffusionDdimSampler}); spelled {@code ddim}. */
    DDIM("ddim"),
    /** Ancestral DDPM ({@link DdpmSampler}, {@link PytorchDiffusionDdpmSampler}); spelled {@code ddpm}. */
    DDPM("ddpm"),
    /** DPM-Solver++ multistep ({@link DpmSolverMultistepSampler}); spelled {@code dpm-solver++}. */
    DPM_SOLVER_PP("dpm-solver++"),
    /** Euler on a rectified-flow path ({@link FlowMatchEulerSampler}); spelled {@code euler}. */
    EULER("euler");

    private final String spelling;

    SamplerKind(String spelling) {
        this.spelling = spelling;
    }

    /**
     * The family spelled {@code text} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the text and the accepted spellings
     */
    public static SamplerKind parse(String text) {
        for (SamplerKind kind : values()) {
            if (kind.spelling.equalsIgnoreCase(text.trim())) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown sampler '" + text + "'; expected one of "
                + Arrays.stream(values()).map(SamplerKind::toString).collect(Collectors.joining(", ")));
    }

    /**
     * Checks that {@code eta} (DDIM's stochasticity) fits this family: any finite value >= 0 for DDIM, 0 otherwise.
     *
     * @throws IllegalArgumentException naming the eta and the family
     */
    public void requireEta(double eta) {
        if (this == DDIM) {
            if (!(eta >= 0) || Double.isInfinite(eta)) {
                throw new IllegalArgumentException("DDIM eta " + eta + " is not a finite number >= 0");
            }
        } else if (eta != 0) {
            throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "eta %s is DDIM's; the %s sampler takes none", eta, spelling));
        }
    }

    /** The name spelling ({@code ddim}, {@code ddpm}, {@code dpm-solver++}, {@code euler}). */
    @Override
    public String toString() {
        return spelling;
    }
}
