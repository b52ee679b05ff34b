package dev.vae4j.core.io.torch;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.tensor.NativeBytes;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the legacy stream of {@code torch.save} (before 1.6, or {@code _use_new_zipfile_serialization=False}): five
 * pickles back to back — the magic number {@code 0x1950a86a20f9469cfc6c}, the protocol version 1001, a {@code sys_info}
 * dict ({@code little_endian}, type sizes), the object itself with persistent ids {@code ('storage', torch.<T>Storage,
 * key, location, numel, view_metadata)}, and the list of storage keys — then, for each key in that order, an 8-byte
 * little-endian element count and the raw bytes. Package-private.
 */
final class LegacyCheckpointReader implements StorageData {
    /** The magic number the legacy format starts with. */
    static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    /** The legacy protocol version. */
    static final long PROTOCOL = 1001;

    private final Path file;
    private final FileChannel channel;
    /** Root storages by key: dtype and element count from their first reference. */
    private final Map<String, StorageRef> roots = new LinkedHashMap<>();

    private final Map<String, StorageRef> views = new HashMap<>();
    /** Per key: file offset of the raw bytes and their length. */
    private final Map<String, long[]> regions = new HashMap<>();

    record Result(LegacyCheckpointReader data, Object root, boolean bigEndian) {}

    private LegacyCheckpointReader(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    static Result open(Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new FileAccessException("cannot open " + file + ": " + e.getMessage(), e);
        }
        try {
            LegacyCheckpointReader reader = new LegacyCheckpointReader(file, channel);
            return reader.parse();
        } catch (RuntimeException | Error e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private Result parse() {
        String origin = file.toString();
        PickleInput in = PickleInput.of(channel, 0, origin);
        Object magic = new Unpickler(in, null, origin + " (magic number)").load();
        if (!(magic instanceof BigInteger m && m.equals(MAGIC))) {
            throw new PyTorchFormatException(file + ": bad magic number, not a legacy torch.save file");
        }
        Object protocol = new Unpickler(in, null, origin + " (protocol version)").load();
        if (!(protocol instanceof Long p && p == PROTOCOL)) {
            throw new PyTorchFormatException(file + ": unsupported legacy protocol version "
                    + (protocol instanceof Long ? protocol : Unpickler.typeName(protocol)) + " (expected 1001)");
        }
        Object sysInfo = new Unpickler(in, null, origin + " (sys_info)").load();
        boolean bigEndian = sysInfo instanceof PyDict d && Boolean.FALSE.equals(d.get("little_endian"));
        Object root = new Unpickler(in, this::persistentLoad, origin).load();
        Object keys = new Unpickler(in, null, origin + " (storage keys)").load();
        if (!(keys instanceof PyList list)) {
            throw new PyTorchFormatException(file + ": storage key list is a " + Unpickler.typeName(keys));
        }
        long pos = in.position();
        long fileSize = size();
        for (Object k : list) {
            String key = ZipCheckpointReader.ascii(k);
            StorageRef storage = key == null ? null : roots.get(key);
            if (storage == null) {
                throw new PyTorchFormatException(file + ": storage key list names "
                        + (key == null ? "a " + Unpickler.typeName(k) : "'" + key + "'")
                        + ", which no tensor references");
            }
            if (regions.containsKey(key)) {
                throw new PyTorchFormatException(file + ": storage '" + key + "' listed twice");
            }
            if (fileSize - pos < 8) {
                throw new PyTorchFormatException(
                        file + ": file ends before the data of storage '" + key + "' at byte " + pos + " (truncated?)");
            }
            long count = readLong(pos);
            if (count != storage.numel()) {
                throw new PyTorchFormatException(file + ": storage '" + key + "' at byte " + pos + " holds " + count
                        + " elements, the pickle declared " + storage.numel());
            }
            long nbytes = storage.nbytes();
            if (nbytes > fileSize - pos - 8) {
                throw new PyTorchFormatException(file + ": storage '" + key + "' needs " + nbytes
                        + " bytes at byte " + (pos + 8) + " but the file has " + (fileSize - pos - 8)
                        + " left (truncated?)");
            }
            regions.put(key, new long[] {pos + 8, nbytes});
            pos += 8 + nbytes;
        }
        for (String key : roots.keySet()) {
            if (!regions.containsKey(key)) {
                throw new PyTorchFormatException(file + ": storage '" + key + "' has no data in the file");
            }
        }
        return new Result(this, root, bigEndian);
    }

    private Object persistentLoad(Object pid) {
        if (pid instanceof PyTuple t && t.size() > 0 && "module".equals(ZipCheckpointReader.ascii(t.get(0)))) {
            throw new UnsafePickleException(
                    "module",
                    file + ": refusing a pickled nn.Module class (persistent id"
                            + " 'module' carries source code); save the state_dict instead");
        }
        if (!(pid instanceof PyTuple t) || t.size() != 6 || !"storage".equals(ZipCheckpointReader.ascii(t.get(0)))) {
            throw new PyTorchFormatException(file + ": legacy persistent id must be ('storage', type, key,"
                    + " location, numel, view_metadata), got " + Unpickler.typeName(pid));
        }
        if (!(t.get(1) instanceof StorageType type)) {
            throw new PyTorchFormatException(file + ": persistent id names storage type " + Unpickler.typeName(t.get(1))
                    + ", not a torch storage class");
        }
        String key = ZipCheckpointReader.ascii(t.get(2));
        String location = ZipCheckpointReader.ascii(t.get(3));
        if (key == null || location == null) {
            throw new PyTorchFormatException(file + ": storage key and location must be strings");
        }
        long numel = ZipCheckpointReader.numel(file, key, t.get(4));
        try {
            Math.multiplyExact(numel, type.dtype().elementSize());
            if (Math.multiplyExact(numel, type.dtype().elementSize()) > size()) {
                throw new PyTorchFormatException(file + ": storage '" + key + "' of " + numel + " "
                        + type.dtype().dtypeName() + " elements is larger than the file");
            }
        } catch (ArithmeticException e) {
            throw new PyTorchFormatException(file + ": storage '" + key + "' of " + numel + " elements overflows");
        }
        StorageRef root = roots.get(key);
        if (root == null) {
            root = new StorageRef(key, type.dtype(), numel, 0, location);
            roots.put(key, root);
        } else if (numel * type.dtype().elementSize() > root.nbytes()) {
            throw new PyTorchFormatException(file + ": storage '" + key + "' referenced with " + numel + " "
                    + type.dtype().dtypeName() + " elements but first declared with " + root.nbytes() + " bytes");
        }
        StorageRef ref = root.dtype() == type.dtype()
                ? root
                : new StorageRef(key, type.dtype(), root.nbytes() / type.dtype().elementSize(), 0, location);
        Object view = t.get(5);
        if (view == PyNone.NONE) {
            return ref;
        }
        if (!(view instanceof PyTuple v)
                || v.size() != 3
                || ZipCheckpointReader.ascii(v.get(0)) == null
                || !(v.get(1) instanceof Long offset)
                || !(v.get(2) instanceof Long viewSize)
                || offset < 0
                || viewSize < 0
                || offset > ref.numel()
                || viewSize > ref.numel() - offset) {
            throw new PyTorchFormatException(file + ": invalid storage view metadata for storage '" + key
                    + "' (must be (key, offset, size) inside its " + ref.numel() + " elements)");
        }
        String viewKey = ZipCheckpointReader.ascii(v.get(0));
        return views.computeIfAbsent(
                viewKey,
                k -> new StorageRef(
                        ref.key(), ref.dtype(), viewSize, offset * ref.dtype().elementSize(), location));
    }

    private long size() {
        try {
            return channel.size();
        } catch (IOException e) {
            throw new FileAccessException("cannot read " + file, e);
        }
    }

    private long readLong(long pos) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        try {
            while (b.hasRemaining()) {
                if (channel.read(b, pos + b.position()) < 0) {
                    throw new PyTorchFormatException(file + ": file ends at byte " + (pos + b.position()));
                }
            }
        } catch (IOException e) {
            throw new FileAccessException("cannot read " + file, e);
        }
        return b.getLong(0);
    }

    @Override
    public long size(String key) {
        long[] region = regions.get(key);
        return region == null ? 0 : region[1];
    }

    @Override
    public void copy(String key, long address, long nbytes) {
        long[] region = regions.get(key);
        if (region == null || nbytes > region[1]) {
            throw new PyTorchFormatException(file + ": no data for storage '" + key + "'");
        }
        try {
            long done = 0;
            while (done < nbytes) {
                int len = (int) Math.min(NativeBytes.CHUNK, nbytes - done);
                ByteBuffer dst = NativeBytes.view(address + done, len);
                while (dst.hasRemaining()) {
                    int r = channel.read(dst, region[0] + done + dst.position());
                    if (r < 0) {
                        throw new PyTorchFormatException(file + ": file truncated while reading storage '" + key + "'");
                    }
                }
                done += len;
            }
        } catch (IOException e) {
            throw new FileAccessException("cannot read storage '" + key + "' of " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new FileAccessException("cannot close " + file, e);
        }
    }
}
