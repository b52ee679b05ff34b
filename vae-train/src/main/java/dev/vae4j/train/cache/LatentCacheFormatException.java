package dev.vae4j.train.cache;

import dev.vae4j.core.Vae4jException;
import java.nio.file.Path;

/**
 * A latent cache's {@code index.json} or a shard's sample list is malformed or incomplete (a field missing or of the
 * wrong type, an edited or truncated file); the message names the file and the field.
 */
public final class LatentCacheFormatException extends Vae4jException {
    private static final long serialVersionUID = 1L;

    /**
     * @param file the index or shard at fault
     * @param problem what is wrong, naming the field
     */
    public LatentCacheFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /**
     * @param file the index or shard at fault
     * @param problem what is wrong, naming the field
     * @param cause the parse failure
     */
    public LatentCacheFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
