package dev.vae4j.core.io.torch;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.tensor.NativeBytes;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads the zip format of {@code torch.save} (PyTorch 1.6+): {@code <folder>/data.pkl} (the pickle; the folder name
 * varies: {@code archive} or the file's stem), {@code <folder>/byteorder} ({@code little} / {@code big}, absent in old
 * files: little), and one record {@code <folder>/data/<key>} of raw bytes per storage. Persistent ids are
 * {@code ('storage', torch.<T>Storage | torch.UntypedStorage, key, location, numel)}. Package-private.
 */
final class ZipCheckpointReader implements StorageData {
    /** Largest {@code data.pkl} accepted (the pickle only, not the tensor data). */
    static final long MAX_PICKLE_BYTES = 1L << 30;
    /** Largest expansion accepted for a compressed record (deflate cannot exceed about 1032:1). */
    private static final long MAX_RATIO = 1100;

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final Map<String, Long> declared = new HashMap<>();

    /** The parsed archive: the object tree and whether storages are big-endian. */
    record Result(ZipCheckpointReader data, Object root, boolean bigEndian) {}

    private ZipCheckpointReader(Path file, ZipFile zip, String prefix) {
        this.file = file;
        this.zip = zip;
        this.prefix = prefix;
    }

    static Result open(Path file) {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new PyTorchFormatException(
                    file + ": not a readable zip archive (truncated or corrupt): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new FileAccessException("cannot open " + file + ": " + e.getMessage(), e);
        }
        try {
            ZipCheckpointReader reader = new ZipCheckpointReader(file, zip, findPrefix(file, zip));
            boolean big = reader.bigEndian();
            byte[] pickle = reader.readPickle();
            String origin = file + " (" + reader.prefix + "data.pkl)";
            Object root = new Unpickler(PickleInput.of(pickle, origin), reader::persistentLoad, origin).load();
            return new Result(reader, root, big);
        } catch (RuntimeException | Error e) {
            try {
                zip.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static String findPrefix(Path file, ZipFile zip) {
        List<String> found = new ArrayList<>();
        boolean torchScript = false;
        try {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                String name = entries.nextElement().getName();
                int slash = name.indexOf('/');
                if (slash > 0 && slash == name.lastIndexOf('/')) {
                    String base = name.substring(slash + 1);
                    if (base.equals("data.pkl")) {
                        found.add(name.substring(0, slash + 1));
                    } else if (base.equals("constants.pkl")) {
                        torchScript = true;
                    }
                }
            }
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new PyTorchFormatException(file + ": corrupt zip directory: " + e.getMessage(), e);
        }
        if (torchScript) {
            throw new PyTorchFormatException(file + ": a TorchScript archive (constants.pkl), not a torch.save"
                    + " checkpoint; export its state_dict with torch.save instead");
        }
        if (found.size() != 1) {
            throw new PyTorchFormatException(file + ": expected exactly one <folder>/data.pkl in the zip archive,"
                    + " found " + found.size() + " (not a torch.save checkpoint?)");
        }
        return found.get(0);
    }

    private boolean bigEndian() {
        ZipEntry entry = zip.getEntry(prefix + "byteorder");
        if (entry == null) {
            return false;
        }
        String order = new String(readEntry(entry, 16, "byteorder"), StandardCharsets.US_ASCII).trim();
        return switch (order) {
            case "little" -> false;
            case "big" -> true;
            default ->
                throw new PyTorchFormatException(
                        file + ": " + prefix + "byteorder is '" + order + "', expected 'little' or 'big'");
        };
    }

    private byte[] readPickle() {
        ZipEntry entry = zip.getEntry(prefix + "data.pkl");
        return readEntry(entry, MAX_PICKLE_BYTES, "data.pkl");
    }

    private byte[] readEntry(ZipEntry entry, long limit, String what) {
        long size = checkedSize(entry);
        if (size > limit) {
            throw new PyTorchFormatException(
                    file + ": " + prefix + what + " declares " + size + " bytes (limit " + limit + ")");
        }
        byte[] out = new byte[(int) size];
        try (InputStream in = zip.getInputStream(entry)) {
            int done = 0;
            while (done < out.length) {
                int r = in.read(out, done, out.length - done);
                if (r < 0) {
                    throw new PyTorchFormatException(
                            file + ": " + prefix + what + " ends after " + done + " of " + size + " bytes");
                }
                done += r;
            }
        } catch (ZipException e) {
            throw new PyTorchFormatException(file + ": corrupt zip record " + prefix + what + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new FileAccessException("cannot read " + prefix + what + " of " + file, e);
        }
        return out;
    }

    /** The uncompressed size of {@code entry}, refusing unknown sizes and implausible compression ratios. */
    private long checkedSize(ZipEntry entry) {
        long size = entry.getSize();
        long compressed = entry.getCompressedSize();
        if (size < 0 || compressed < 0) {
            throw new PyTorchFormatException(file + ": zip record " + entry.getName() + " has no declared size");
        }
        if (entry.getMethod() != ZipEntry.STORED && size > compressed * MAX_RATIO + 1024) {
            throw new PyTorchFormatException(file + ": zip record " + entry.getName() + " claims " + size
                    + " bytes from " + compressed + " compressed bytes (zip bomb?)");
        }
        return size;
    }

    /** ('storage', storage type, key, location, numel) -> a checked {@link StorageRef}. */
    private Object persistentLoad(Object pid) {
        if (!(pid instanceof PyTuple t) || t.size() != 5 || !"storage".equals(ascii(t.get(0)))) {
            throw new PyTorchFormatException(
                    file + ": persistent id must be ('storage', type, key, location," + " numel), got "
                            + Unpickler.typeName(pid) + (pid instanceof PyTuple tt ? " of " + tt.size() : ""));
        }
        if (!(t.get(1) instanceof StorageType type)) {
            throw new PyTorchFormatException(file + ": persistent id names storage type " + Unpickler.typeName(t.get(1))
                    + ", not a torch storage class");
        }
        String key = ascii(t.get(2));
        String location = ascii(t.get(3));
        if (key == null || location == null) {
            throw new PyTorchFormatException(file + ": storage key and location must be strings");
        }
        long numel = numel(file, key, t.get(4));
        long nbytes;
        try {
            nbytes = Math.multiplyExact(numel, type.dtype().elementSize());
        } catch (ArithmeticException e) {
            throw new PyTorchFormatException(file + ": storage '" + key + "' of " + numel + " elements overflows");
        }
        ZipEntry record = zip.getEntry(prefix + "data/" + key);
        if (record == null) {
            throw new PyTorchFormatException(file + ": storage '" + key + "' has no record " + prefix + "data/" + key);
        }
        long available = checkedSize(record);
        if (available < nbytes) {
            throw new PyTorchFormatException(file + ": storage '" + key + "' needs " + nbytes + " bytes ("
                    + numel + " x " + type.dtype().dtypeName() + ") but record " + record.getName() + " holds "
                    + available);
        }
        declared.merge(key, nbytes, Math::max);
        return new StorageRef(key, type.dtype(), numel, 0, location);
    }

    static long numel(Path file, String key, Object value) {
        if (!(value instanceof Long numel) || numel < 0) {
            throw new PyTorchFormatException(file + ": storage '" + key + "' has invalid size "
                    + (value instanceof Long || value instanceof BigInteger ? value : Unpickler.typeName(value)));
        }
        return numel;
    }

    /** A str, or bytes decoded as ASCII (Python 2 era files), else null. */
    static String ascii(Object o) {
        if (o instanceof String s) {
            return s;
        }
        if (o instanceof byte[] b) {
            return new String(b, StandardCharsets.US_ASCII);
        }
        return null;
    }

    @Override
    public long size(String key) {
        return declared.getOrDefault(key, 0L);
    }

    @Override
    public void copy(String key, long address, long nbytes) {
        ZipEntry record = zip.getEntry(prefix + "data/" + key);
        try (InputStream in = zip.getInputStream(record)) {
            long done = 0;
            byte[] chunk = new byte[1 << 20];
            while (done < nbytes) {
                int want = (int) Math.min(chunk.length, nbytes - done);
                int r = in.read(chunk, 0, want);
                if (r < 0) {
                    throw new PyTorchFormatException(
                            file + ": record " + record.getName() + " ends after " + done + " of " + nbytes + " bytes");
                }
                ByteBuffer dst = NativeBytes.view(address + done, r);
                dst.put(chunk, 0, r);
                done += r;
            }
        } catch (ZipException e) {
            throw new PyTorchFormatException(
                    file + ": corrupt zip record " + record.getName() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new FileAccessException("cannot read " + record.getName() + " of " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            zip.close();
        } catch (IOException e) {
            throw new FileAccessException("cannot close " + file, e);
        }
    }
}
