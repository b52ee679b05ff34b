package dev.vae4j.core.io.torch;

import dev.vae4j.core.Vae4jException;

/**
 * A PyTorch checkpoint ({@code torch.save} zip archive or legacy stream) is malformed, truncated, or asks for something
 * out of bounds: bad magic or protocol, unknown opcode, truncated pickle, a length larger than the remaining input, a
 * bad memo index, nesting too deep, a storage record that is missing or shorter than declared, negative sizes, or a
 * tensor view reaching beyond its storage. The message names the file, the problem and, where relevant, the byte
 * offset, key or storage at fault.
 */
public final class PyTorchFormatException extends Vae4jException {
    private static final long serialVersionUID = 1L;

    /** A problem described by {@code message} (which names the file when known). */
    public PyTorchFormatException(String message) {
        super(message);
    }

    /** A problem described by {@code message}, caused by {@code cause}. */
    public PyTorchFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
