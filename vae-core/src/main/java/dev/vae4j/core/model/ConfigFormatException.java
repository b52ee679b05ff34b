package dev.vae4j.core.model;

import dev.vae4j.core.Vae4jException;

/**
 * A model configuration ({@code config.json} or the object read from it) is malformed: not JSON, not an object, an
 * unknown key, a key of the wrong type, a missing required key or a value the architecture cannot take. The message
 * names the configuration (and file, when read from one), the key and the value at fault.
 */
public final class ConfigFormatException extends Vae4jException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, naming the configuration, key and value */
    public ConfigFormatException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the configuration, key and value
     * @param cause the parse or validation failure
     */
    public ConfigFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
