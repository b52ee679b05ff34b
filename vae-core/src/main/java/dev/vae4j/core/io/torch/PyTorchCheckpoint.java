package dev.vae4j.core.io.torch;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * A PyTorch checkpoint written by {@code torch.save} ({@code .pt/.pth/.ckpt/.bin}), read safely: the zip format (1.6+)
 * or the legacy stream, detected from the first bytes. The pickle is run by {@link Unpickler} with the allow-list of
 * {@link PickleGlobals}; no code from the file ever runs.
 *
 * <p>{@link #root()} is the object tree; {@link #tensors()} is the state dict (the {@code state_dict} entry of a
 * Lightning checkpoint, or the whole object of a plain state dict) as a {@link TensorSource} with dotted names. Tensors
 * are loaded lazily onto the CPU with the saved dtype, shape, strides and storage offset; each storage is read once and
 * every tensor viewing it shares its memory. Storages stay cached until {@link #close}; tensors already returned stay
 * valid after it. Thread-safe.
 */
final class PyTorchCheckpoint implements AutoCloseable {
    /** The two on-disk formats of {@code torch.save}. */
    public enum Format {
        /** Zip archive with {@code data.pkl} and {@code data/<key>} records (PyTorch 1.6+ default). */
        ZIP,
        /** Legacy stream: magic, protocol, sys_info, pickle, storage keys, raw storages. */
        LEGACY
    }

    private final Path path;
    private final Format format;
    private final Object root;
    private final StorageData data;
    private final boolean bigEndian;
    private final Map<String, Tensor> storages = new HashMap<>();
    private boolean closed;

    private PyTorchCheckpoint(Path path, Format format, Object root, StorageData data, boolean bigEndian) {
        this.path = path;
        this.format = format;
        this.root = root;
        this.data = data;
        this.bigEndian = bigEndian;
    }

    /**
     * Opens and unpickles {@code file}, validating every storage reference and tensor view against the file. No tensor
     * data is read yet.
     *
     * @throws PyTorchFormatException for a file that is not a well-formed torch.save checkpoint
     * @throws UnsafePickleException if the pickle names a global outside the allow-list
     * @throws FileAccessException if the file cannot be read
     */
    public static PyTorchCheckpoint open(Path file) {
        Objects.requireNonNull(file, "file");
        Format format = detect(file);
        if (format == Format.ZIP) {
            ZipCheckpointReader.Result r = ZipCheckpointReader.open(file);
            return new PyTorchCheckpoint(file, format, r.root(), r.data(), r.bigEndian());
        }
        LegacyCheckpointReader.Result r = LegacyCheckpointReader.open(file);
        return new PyTorchCheckpoint(file, format, r.root(), r.data(), r.bigEndian());
    }

    /** Whether {@code file} starts like a torch.save checkpoint (zip or legacy magic). */
    public static boolean looksLikeCheckpoint(Path file) {
        try {
            detect(file);
            return true;
        } catch (PyTorchFormatException e) {
            return false;
        }
    }

    private static Format detect(Path file) {
        byte[] head = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 4);
        } catch (NoSuchFileException e) {
            throw new FileAccessException("checkpoint file not found: " + file, e);
        } catch (IOException e) {
            throw new FileAccessException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (n == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return Format.ZIP;
        }
        if (n == 4 && (head[0] & 0xff) == 0x80 && head[1] == 2 && (head[2] & 0xff) == 0x8a && head[3] == 10) {
            return Format.LEGACY;
        }
        throw new PyTorchFormatException(file + ": not a PyTorch checkpoint (neither a zip archive nor the legacy"
                + " magic number; pre-0.4 tar checkpoints and TorchScript files are not supported)");
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** The on-disk format. */
    public Format format() {
        return format;
    }

    /** The unpickled object (types as listed in {@link Unpickler}). */
    public Object root() {
        return root;
    }

    /**
     * The model weights: the {@code state_dict} entry when the root is a dict holding one (Lightning, LDM), else every
     * tensor of the root, as dotted names.
     */
    public TensorSource tensors() {
        Object weights = root;
        if (root instanceof PyDict d && d.get("state_dict") instanceof PyDict sd) {
            weights = sd;
        }
        return source(CheckpointTree.flatten(weights, path.toString()));
    }

    /** Every tensor anywhere in the object tree (optimizer states included), as dotted names from the root. */
    public TensorSource allTensors() {
        return source(CheckpointTree.flatten(root, path.toString()));
    }

    private TensorSource source(Map<String, TensorRef> refs) {
        List<String> names = List.copyOf(new ArrayList<>(refs.keySet()));
        return new TensorSource() {
            @Override
            public List<String> names() {
                return names;
            }

            @Override
            public long[] shape(String name) {
                return ref(name).size().clone();
            }

            @Override
            public Tensor load(String name) {
                return PyTorchCheckpoint.this.load(ref(name));
            }

            private TensorRef ref(String name) {
                TensorRef ref = refs.get(name);
                if (ref == null) {
                    throw new IllegalArgumentException("no tensor '" + name + "' in " + path);
                }
                return ref;
            }
        };
    }

    /**
     * Loads {@code ref} as a CPU tensor with its dtype, shape, strides and storage offset, a view sharing memory with
     * every other tensor of the same storage. Attaches to the caller's innermost {@link PointerScope}.
     */
    public synchronized Tensor load(TensorRef ref) {
        if (closed) {
            throw new IllegalStateException("checkpoint " + path + " is closed");
        }
        try (TensorScope scope = new TensorScope()) {
            StorageRef s = ref.storage();
            Tensor bytes = storage(s);
            Tensor typed =
                    bytes.narrow(0, s.byteOffset(), s.nbytes()).view(s.dtype().scalarType());
            Tensor view =
                    typed.as_strided(ref.size(), ref.stride(), new org.bytedeco.pytorch.LongOptional(ref.offset()));
            return scope.keep(view);
        }
    }

    /** The bytes of storage {@code s.key()} as a uint8 tensor, read once and cached (outside any scope). */
    private Tensor storage(StorageRef s) {
        Tensor cached = storages.get(s.key());
        if (cached != null) {
            return cached;
        }
        long nbytes = data.size(s.key());
        try (PointerScope scope = new PointerScope()) {
            Tensor t = torch.empty(
                    new long[] {nbytes}, new TensorOptions(torch.ScalarType.Byte), new MemoryFormatOptional());
            if (nbytes > 0) {
                data.copy(s.key(), t.data_ptr().address(), nbytes);
            }
            int es = s.dtype().elementSize();
            if (bigEndian && es > 1 && nbytes % es == 0) {
                t = t.view(nbytes / es, es).flip(1).contiguous().view(-1);
            }
            t.retainReference();
            scope.detach(t);
            storages.put(s.key(), t);
            return t;
        }
    }

    /** Releases the cached storages and closes the file. Tensors already loaded stay valid. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Tensor t : storages.values()) {
            t.releaseReference();
        }
        storages.clear();
        data.close();
    }

    @Override
    public String toString() {
        return "PyTorchCheckpoint[" + path + ", " + format + "]";
    }
}
