package dev.vae4j.train.data;

import dev.vae4j.core.io.ImageReadException;
import dev.vae4j.core.io.ImageTensors;
import java.awt.image.BufferedImage;
import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * WebDataset tar shards as an {@link ImageSource}, read in place (nothing is extracted). Opening reads only the tar
 * headers of every shard (Apache Commons Compress {@link TarFile}, data skipped) and groups consecutive entries into
 * samples by key, as WebDataset does: an entry {@code dir/000123.jpg} belongs to sample {@code dir/000123} (the path up
 * to the first dot of the file name) with extension {@code jpg}. A sample's image is its first entry with an image
 * extension (png, jpg, jpeg, bmp, gif); {@code .txt} is its caption, {@code .json} its metadata and {@code .cls} its
 * class, other entries are ignored. Samples without an image, and entries whose names are not valid paths (a NUL
 * character), are skipped and listed in {@link #skipped()}. Afterwards a sample is read with one positional read of its
 * entry's bytes, so any number of threads can decode in parallel. Shards must be uncompressed tar files.
 */
public final class WebDatasetShards implements ImageSource {
    private final List<Path> shards;
    private final List<Sample> samples;
    private final int[] shardSizes;
    private final List<String> skipped;

    /** One entry's bytes in a shard. */
    private record Entry(String name, long offset, long size) {}

    /** One sample: its shard (index into shards), key and entries (text entries may be null). */
    private record Sample(int shard, String key, Entry image, Entry caption, Entry json, Entry cls) {}

    private WebDatasetShards(List<Path> shards, List<Sample> samples, int[] shardSizes, List<String> skipped) {
        this.shards = shards;
        this.samples = samples;
        this.shardSizes = shardSizes;
        this.skipped = skipped;
    }

    /**
     * Indexes the shards named by a pattern ({@link ShardPattern}).
     *
     * @throws IllegalArgumentException if a shard is missing, is not a readable uncompressed tar, or no shard holds an
     *     image sample
     */
    public static WebDatasetShards open(String pattern) {
        return open(ShardPattern.existing(pattern));
    }

    /**
     * Indexes {@code shards}, in the given order.
     *
     * @throws IllegalArgumentException if a shard is not a readable uncompressed tar, or no shard holds an image
     */
    public static WebDatasetShards open(List<Path> shards) {
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("no shards given");
        }
        List<Sample> samples = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int[] sizes = new int[shards.size()];
        for (int s = 0; s < shards.size(); s++) {
            int before = samples.size();
            indexShard(s, shards.get(s), samples, skipped);
            sizes[s] = samples.size() - before;
        }
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("the " + shards.size() + " shard(s) starting with " + shards.get(0)
                    + " hold no image samples (png, jpg, jpeg, bmp, gif)");
        }
        return new WebDatasetShards(List.copyOf(shards), samples, sizes, Collections.unmodifiableList(skipped));
    }

    private static void indexShard(int shard, Path path, List<Sample> samples, List<String> skipped) {
        List<TarArchiveEntry> entries;
        try (TarFile tar = new TarFile(path)) {
            entries = tar.getEntries();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "cannot read shard " + path + " as an uncompressed tar file (" + e.getMessage() + ")", e);
        }
        String key = null;
        List<TarArchiveEntry> group = new ArrayList<>();
        for (TarArchiveEntry entry : entries) {
            if (!entry.isFile() || hidden(entry.getName())) {
                continue;
            }
            String invalid = invalidPathReason(path, entry.getName());
            if (invalid != null) {
                skipped.add(path.getFileName() + ":" + entry.getName().replace("\0", "\\0")
                        + " (entry name is not a valid path: " + invalid + ")");
                continue;
            }
            String entryKey = keyOf(entry.getName());
            if (!entryKey.equals(key)) {
                addSample(shard, path, key, group, samples, skipped);
                key = entryKey;
                group = new ArrayList<>();
            }
            group.add(entry);
        }
        addSample(shard, path, key, group, samples, skipped);
    }

    private static void addSample(
            int shard, Path path, String key, List<TarArchiveEntry> group, List<Sample> samples, List<String> skipped) {
        if (group.isEmpty()) {
            return;
        }
        Entry image = null;
        Entry caption = null;
        Entry json = null;
        Entry cls = null;
        for (TarArchiveEntry e : group) {
            String extension = extensionOf(e.getName());
            Entry entry = new Entry(e.getName(), e.getDataOffset(), e.getSize());
            if (image == null && ImageTensors.EXTENSIONS.contains(extension)) {
                image = entry;
            } else if (caption == null && extension.equals("txt")) {
                caption = entry;
            } else if (json == null && extension.equals("json")) {
                json = entry;
            } else if (cls == null && extension.equals("cls")) {
                cls = entry;
            }
        }
        if (image == null) {
            skipped.add(path.getFileName() + ":" + key + " (no image entry)");
        } else {
            samples.add(new Sample(shard, key, image, caption, json, cls));
        }
    }

    /**
     * An entry's location, {@code shard/name}, in error messages and {@link #describe}; under the shard even for an
     * absolute name. A name that is not a valid path (a NUL character) fails with the JDK's InvalidPathException, which
     * {@link #invalidPathReason} turns into a skip reason.
     */
    private static Path entryPath(Path shard, String name) {
        return Path.of(shard.toString(), name);
    }

    /** Why {@code name} cannot be a path under its shard ({@link #entryPath}); null if it can. */
    private static String invalidPathReason(Path shard, String name) {
        try {
            entryPath(shard, name);
            return null;
        } catch (InvalidPathException e) {
            return e.getReason();
        }
    }

    private static boolean hidden(String name) {
        int slash = name.lastIndexOf('/');
        return name.startsWith(".", slash + 1);
    }

    /** WebDataset's key: the entry path up to the first dot of its file name. */
    static String keyOf(String name) {
        int slash = name.lastIndexOf('/');
        int dot = name.indexOf('.', slash + 1);
        return dot < 0 ? name : name.substring(0, dot);
    }

    private static String extensionOf(String name) {
        int slash = name.lastIndexOf('/');
        int dot = name.lastIndexOf('.');
        return dot <= slash ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** The shard files, in order. */
    public List<Path> shards() {
        return shards;
    }

    /** Image samples per shard, in shard order (sample indices run through the shards in order). */
    public int[] shardSizes() {
        return shardSizes.clone();
    }

    /**
     * What was left out: samples without an image entry, as {@code shard:key (reason)}, and entries whose names are not
     * valid paths, as {@code shard:name (reason)}.
     */
    public List<String> skipped() {
        return skipped;
    }

    @Override
    public int size() {
        return samples.size();
    }

    @Override
    public String key(int index) {
        return samples.get(index).key();
    }

    @Override
    public BufferedImage read(int index) {
        Sample sample = samples.get(index);
        return ImageTensors.readImage(imageBytes(sample), location(sample, sample.image()));
    }

    @Override
    public ImageTensors.Size dimensions(int index) {
        Sample sample = samples.get(index);
        return ImageTensors.size(imageBytes(sample), location(sample, sample.image()));
    }

    private byte[] imageBytes(Sample sample) {
        try {
            return bytes(sample.shard(), sample.image());
        } catch (IOException e) {
            throw new ImageReadException(
                    location(sample, sample.image()), "cannot read the entry's bytes (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String caption(int index) {
        return text(samples.get(index), samples.get(index).caption());
    }

    @Override
    public String json(int index) {
        return text(samples.get(index), samples.get(index).json());
    }

    @Override
    public String cls(int index) {
        return text(samples.get(index), samples.get(index).cls());
    }

    @Override
    public String describe(int index) {
        Sample sample = samples.get(index);
        return location(sample, sample.image()).toString();
    }

    /** The shard and entry name and the entry's size in bytes, tab-separated. */
    @Override
    public String identity(int index) {
        return describe(index) + "\t" + samples.get(index).image().size();
    }

    private String text(Sample sample, Entry entry) {
        if (entry == null) {
            return null;
        }
        try {
            return new String(bytes(sample.shard(), entry), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ImageReadException(
                    location(sample, entry), "cannot read the entry's bytes (" + e.getMessage() + ")", e);
        }
    }

    private Path location(Sample sample, Entry entry) {
        return entryPath(shards.get(sample.shard()), entry.name());
    }

    private byte[] bytes(int shard, Entry entry) throws IOException {
        if (entry.size() > Integer.MAX_VALUE - 8) {
            throw new IOException("entry of " + entry.size() + " bytes is too large");
        }
        byte[] bytes = new byte[(int) entry.size()];
        // RandomAccessFile rather than FileChannel: reads on a decoding thread must not fail when it is interrupted
        try (RandomAccessFile file = new RandomAccessFile(shards.get(shard).toFile(), "r")) {
            file.seek(entry.offset());
            file.readFully(bytes);
        } catch (EOFException e) {
            throw new IOException("shard ends inside the entry (truncated file)", e);
        }
        return bytes;
    }
}
