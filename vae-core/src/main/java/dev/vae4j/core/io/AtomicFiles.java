package dev.vae4j.core.io;

import dev.vae4j.core.FileAccessException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

/**
 * Writes a file all at once or not at all: the bytes go to a hidden temporary sibling ({@code .<name>.<random>.tmp}),
 * are flushed to the device, and the sibling is renamed over the target. A failure at any point (disk full, permission,
 * an exception of the producer) deletes the sibling and leaves whatever was at the target before untouched; readers
 * never see a half-written file.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Produces a file's content into a stream. */
    @FunctionalInterface
    public interface Content {
        /** Writes the whole content to {@code out} (buffered; closing it only flushes). */
        void writeTo(OutputStream out) throws IOException;
    }

    /** Produces a file's content into a channel (for large native buffers). */
    @FunctionalInterface
    public interface ChannelContent {
        /** Writes the whole content to {@code channel} (not to be closed by the producer). */
        void writeTo(FileChannel channel) throws IOException;
    }

    private AtomicFiles() {}

    /**
     * Writes {@code content} to {@code target} atomically; the parent folder must exist.
     *
     * @throws FileAccessException naming the target when anything fails; the target is then as it was
     */
    public static void write(Path target, Content content) {
        writeChannel(target, channel -> {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16) {
                @Override
                public void close() throws IOException {
                    flush(); // producers (Jackson, ImageIO) may close: the channel must stay open to be forced
                }
            };
            content.writeTo(out);
            out.flush();
        });
    }

    /**
     * Writes what {@code content} puts into a file channel to {@code target} atomically; the parent folder must exist.
     *
     * @throws FileAccessException naming the target when anything fails; the target is then as it was
     */
    public static void writeChannel(Path target, ChannelContent content) {
        if (Files.isDirectory(target)) {
            throw new FileAccessException(
                    "cannot write " + target,
                    new java.nio.file.FileSystemException(
                            target.toString(), null, "cannot write: the path is a folder"));
        }
        Path absolute = target.toAbsolutePath();
        Path temp = temporarySibling(absolute);
        try {
            try (FileChannel channel =
                    FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                content.writeTo(channel);
                channel.force(true);
            }
            moveIntoPlace(temp, absolute);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temp);
            if (e instanceof FileAccessException f) {
                throw f;
            }
            IOException cause = e instanceof IOException io
                    ? io
                    : e instanceof UncheckedIOException u ? u.getCause() : new IOException(e.getMessage(), e);
            throw new FileAccessException("cannot write " + target + ": " + reason(cause), cause);
        }
    }

    /** Writes {@code bytes} to {@code target} atomically (see {@link #write(Path, Content)}). */
    public static void write(Path target, byte[] bytes) {
        write(target, out -> out.write(bytes));
    }

    /** Writes {@code text} as UTF-8 to {@code target} atomically (see {@link #write(Path, Content)}). */
    public static void writeString(Path target, String text) {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A fresh hidden name next to {@code target} for its temporary copy. */
    private static Path temporarySibling(Path target) {
        String name = target.getFileName().toString();
        return target.resolveSibling("." + name + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
    }

    /** Renames {@code temp} over {@code target}, atomically where the file system can. */
    private static void moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // the failure being reported matters more than a left-over hidden temporary file
        }
    }

    /** The reason of an I/O failure in a few words ("No space left on device", ...). */
    private static String reason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
