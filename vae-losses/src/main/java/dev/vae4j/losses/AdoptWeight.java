package dev.vae4j.losses;

/**
 * taming/LDM {@code adopt_weight}: a weight that is {@code value} (0) before a start step and {@code weight} from it on
 * ({@code step >= threshold}). Used for the discriminator factor with {@code disc_start}.
 */
public final class AdoptWeight {
    private AdoptWeight() {}

    /** {@code step < threshold ? value : weight}. */
    public static double apply(double weight, long step, long threshold, double value) {
        return step < threshold ? value : weight;
    }

    /** {@code step < threshold ? 0 : weight}. */
    public static double apply(double weight, long step, long threshold) {
        return apply(weight, step, threshold, 0.0);
    }
}
