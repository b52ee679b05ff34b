package dev.vae4j.core.io;

import dev.vae4j.core.Vae4jException;
import java.nio.file.Path;

/**
 * Thrown for a malformed or unsupported safetensors file: bad header length, header that is not UTF-8 or not valid JSON
 * of the expected structure, unknown dtype, offsets with holes or overlaps, a byte count that does not match
 * {@code numel * bits / 8}, a data buffer not fully covered, or a dtype that libtorch cannot represent.
 *
 * <p>The message names the file (when known), the problem, and the tensor name where relevant, e.g.
 * {@code "/models/vae.safetensors: invalid offset for tensor 'decoder.conv_in.weight': ..."}.
 */
public final class SafetensorsFormatException extends Vae4jException {
    private static final long serialVersionUID = 1L;

    /**
     * The file at fault, or {@code null} when the problem is not tied to a file (e.g. {@link SafetensorsDType#parse}).
     */
    private final transient Path file;

    /** A problem not tied to a file. */
    public SafetensorsFormatException(String message) {
        super(message);
        this.file = null;
    }

    /** A problem in {@code file}; the message becomes {@code "<file>: <problem>"}. */
    public SafetensorsFormatException(Path file, String problem) {
        this(file, problem, null);
    }

    /** A problem in {@code file} caused by {@code cause}; the message becomes {@code "<file>: <problem>"}. */
    public SafetensorsFormatException(Path file, String problem, Throwable cause) {
        super(file == null ? problem : file + ": " + problem, cause);
        this.file = file;
    }

    /** The file at fault, or {@code null} if the problem is not tied to a file. */
    public Path file() {
        return file;
    }
}
