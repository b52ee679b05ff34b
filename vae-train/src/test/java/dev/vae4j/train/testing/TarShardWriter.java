package dev.vae4j.train.testing;

import dev.vae4j.train.data.SyntheticImages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes small WebDataset tar shards for tests: sample {@code k} is a synthetic PNG {@code <key>.png} of a given size
 * plus a caption {@code <key>.txt} ("caption k") and a {@code <key>.json}, keys {@code %06d} numbered across shards.
 */
public final class TarShardWriter {
    private TarShardWriter() {}

    /**
     * Writes {@code shards} files {@code <dir>/shard-%06d.tar} of {@code perShard} samples each; image {@code k} is
     * {@code sizes[k % sizes.length]} = {width, height}.
     *
     * @return the shard files
     */
    public static List<Path> write(Path dir, int shards, int perShard, int[][] sizes, long seed) {
        List<Path> files = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            for (int s = 0; s < shards; s++) {
                Path file = dir.resolve(String.format("shard-%06d.tar", s));
                try (OutputStream out = Files.newOutputStream(file);
                        TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
                    for (int i = 0; i < perShard; i++) {
                        int k = s * perShard + i;
                        String key = String.format("%06d", k);
                        int[] size = sizes[k % sizes.length];
                        add(tar, key + ".png", png(size[0], size[1], seed + k));
                        add(tar, key + ".txt", ("caption " + k).getBytes(StandardCharsets.UTF_8));
                        add(tar, key + ".json", ("{\"k\": " + k + "}").getBytes(StandardCharsets.UTF_8));
                    }
                }
                files.add(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** Adds one entry with {@code bytes}. */
    public static void add(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(bytes.length);
        tar.putArchiveEntry(entry);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    /** A synthetic PNG of {@code width x height} (content from {@link SyntheticImages}, scaled). */
    public static byte[] png(int width, int height, long seed) throws IOException {
        BufferedImage square = new SyntheticImages(1, Math.max(width, height), seed, false).render(0);
        BufferedImage image = square.getSubimage(0, 0, width, height);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(image, "png", bytes);
        return bytes.toByteArray();
    }
}
