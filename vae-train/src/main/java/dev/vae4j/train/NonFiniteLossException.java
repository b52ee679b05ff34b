package dev.vae4j.train;

import dev.vae4j.core.Vae4jException;

/** Training stopped because too many consecutive steps had a non-finite loss or gradient. */
public final class NonFiniteLossException extends Vae4jException {
    private static final long serialVersionUID = 1L;

    /**
     * @param step the step at which the run stopped
     * @param inARow consecutive non-finite steps
     * @param detail which value was non-finite
     */
    public NonFiniteLossException(long step, int inARow, String detail) {
        super("training stopped at step " + step + ": " + inARow + " consecutive steps with non-finite values ("
                + detail + "); lower the learning rate or check the data");
    }
}
