package dev.vae4j.core.io.torch;

import dev.vae4j.core.Vae4jException;

/**
 * A pickle names a global that is not on the allow-list of {@link PickleGlobals} (for example {@code os.system},
 * {@code builtins.exec}), or tries to call an allow-listed class that may only appear as a value. Raised when the
 * global is resolved, before any object of it is built; nothing from the pickle is ever executed.
 */
public final class UnsafePickleException extends Vae4jException {
    private static final long serialVersionUID = 1L;

    private final String global;

    /**
     * @param global the refused global as {@code module.name}
     * @param message the full message (names the file and the global)
     */
    public UnsafePickleException(String global, String message) {
        super(message);
        this.global = global;
    }

    /** The refused global, {@code module.name}. */
    public String global() {
        return global;
    }
}
