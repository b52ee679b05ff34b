package dev.vae4j.core.io.torch;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.SafetensorsFormatException;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.TensorSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.bytedeco.pytorch.Tensor;

/**
 * Opens any single-file checkpoint as named tensors: safetensors ({@code .safetensors}) or a PyTorch pickle
 * ({@code .ckpt/.pth/.pt/.bin}, zip or legacy format, read safely by {@link PyTorchCheckpoint}). The format is chosen
 * by extension; for other extensions, by the first bytes (zip or legacy torch magic, else safetensors). For a PyTorch
 * checkpoint the source is its state dict ({@code state_dict} of a Lightning checkpoint).
 */
public final class CheckpointFiles {
    private static final List<String> PICKLE_EXTENSIONS = List.of(".ckpt", ".pth", ".pt", ".bin");

    private CheckpointFiles() {}

    /** An open checkpoint file: named tensors plus the file handle to close. */
    public interface Opened extends TensorSource, AutoCloseable {
        /** Closes the file; tensors already loaded stay valid. */
        @Override
        void close();
    }

    /** Whether {@code file} is read as a PyTorch pickle (by extension, else by its first bytes). */
    public static boolean isPyTorch(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) {
            return false;
        }
        if (PICKLE_EXTENSIONS.stream().anyMatch(name::endsWith)) {
            return true;
        }
        byte[] head = new byte[2];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, 2) < 2) {
                return false;
            }
        } catch (IOException e) {
            throw new FileAccessException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return head[0] == 'P' && head[1] == 'K' || (head[0] & 0xff) == 0x80;
    }

    /**
     * Opens {@code file}.
     *
     * @throws SafetensorsFormatException or {@link dev.vae4j.core.io.torch.PyTorchFormatException} for a malformed
     *     file, {@link dev.vae4j.core.io.torch.UnsafePickleException} for a pickle naming a global outside the
     *     allow-list
     */
    public static Opened open(Path file) {
        if (isPyTorch(file)) {
            PyTorchCheckpoint checkpoint = PyTorchCheckpoint.open(file);
            TensorSource source;
            try {
                source = checkpoint.tensors();
            } catch (RuntimeException e) {
                checkpoint.close();
                throw e;
            }
            return wrap(source, checkpoint::close);
        }
        SafetensorsReader reader = SafetensorsReader.open(file);
        return wrap(TensorSource.of(reader), reader::close);
    }

    private static Opened wrap(TensorSource source, Runnable close) {
        return new Opened() {
            @Override
            public List<String> names() {
                return source.names();
            }

            @Override
            public long[] shape(String name) {
                return source.shape(name);
            }

            @Override
            public Tensor load(String name) {
                return source.load(name);
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }
}
