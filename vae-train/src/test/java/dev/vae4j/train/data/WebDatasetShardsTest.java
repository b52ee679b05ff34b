package dev.vae4j.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.ImageReadException;
import dev.vae4j.train.testing.TarShardWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shard patterns, WebDataset tar indexing and reading, the shard shuffle order and parallel batch loading. */
class WebDatasetShardsTest {
    private static final int[][] SIZES = {{20, 12}, {12, 16}, {16, 16}};

    @Test
    void bracePatternsExpandLikeBraceexpand() {
        assertEquals(
                List.of(Path.of("d/s-08.tar"), Path.of("d/s-09.tar"), Path.of("d/s-10.tar")),
                ShardPattern.expand("d/s-{08..10}.tar"));
        assertEquals(
                List.of("a-x-1.tar", "a-x-2.tar", "a-y-1.tar", "a-y-2.tar", "b.tar"),
                ShardPattern.expand("a-{x,y}-{1..2}.tar::b.tar").stream()
                        .map(Path::toString)
                        .toList());
        assertTrue(ShardPattern.isShardPattern("shards/{000000..000099}.tar"));
        assertTrue(!ShardPattern.isShardPattern("images/"));
        assertThrows(IllegalArgumentException.class, () -> ShardPattern.expand("s-{3..1}.tar"));
        assertThrows(IllegalArgumentException.class, () -> ShardPattern.expand("s-{3.tar"));
        IllegalArgumentException missing =
                assertThrows(IllegalArgumentException.class, () -> ShardPattern.existing("/nonexistent/s-{0..1}.tar"));
        assertTrue(missing.getMessage().contains("/nonexistent/s-0.tar"), missing.getMessage());
    }

    @Test
    void indexesSamplesByKeyWithCaptionsAndSkipsSamplesWithoutImage(@TempDir Path dir) throws IOException {
        List<Path> files = TarShardWriter.write(dir, 2, 3, SIZES, 1);
        Path extra = dir.resolve("extra.tar");
        try (OutputStream out = Files.newOutputStream(extra);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            TarShardWriter.add(tar, "sub/a.seg.txt", "only text".getBytes(StandardCharsets.UTF_8));
            TarShardWriter.add(tar, "sub/b.jpg", "not a jpeg".getBytes(StandardCharsets.UTF_8));
            TarShardWriter.add(tar, "sub/c.png", TarShardWriter.png(8, 8, 3));
        }
        WebDatasetShards shards = WebDatasetShards.open(dir + "/shard-{000000..000001}.tar::" + extra);
        assertEquals(8, shards.size());
        assertArrayEquals(new int[] {3, 3, 2}, shards.shardSizes());
        assertEquals(List.of("extra.tar:sub/a (no image entry)"), shards.skipped());
        assertEquals("000004", shards.key(4));
        assertEquals("caption 4", shards.caption(4));
        assertEquals("{\"k\": 4}", shards.json(4));
        assertEquals(12, shards.read(4).getWidth());
        assertEquals(16, shards.read(4).getHeight());
        assertEquals("sub/c", shards.key(7));
        assertNull(shards.caption(7));
        ImageReadException corrupt = assertThrows(ImageReadException.class, () -> shards.read(6));
        assertTrue(corrupt.getMessage().contains("extra.tar/sub/b.jpg"), corrupt.getMessage());
        assertEquals(files.get(1).resolve("000005.png").toString(), shards.describe(5));
        Path gz = dir.resolve("bad.tar");
        Files.write(gz, new byte[] {31, -117, 8, 0, 1, 2, 3});
        IllegalArgumentException notTar =
                assertThrows(IllegalArgumentException.class, () -> WebDatasetShards.open(List.of(gz)));
        assertTrue(notTar.getMessage().contains("bad.tar"), notTar.getMessage());
    }

    @Property(tries = 50)
    void shardShuffleIsASeededPermutationWithBoundedDisplacement(
            @ForAll @Size(min = 1, max = 6) List<@IntRange(min = 0, max = 9) Integer> sizes,
            @ForAll @IntRange(min = 1, max = 8) int buffer,
            @ForAll long seed) {
        int[] shardSizes = sizes.stream().mapToInt(Integer::intValue).toArray();
        int total = Arrays.stream(shardSizes).sum();
        ShardShuffleOrder order = new ShardShuffleOrder(shardSizes, buffer);
        int[] epoch0 = order.order(total, seed, 0);
        assertArrayEquals(epoch0, order.order(total, seed, 0));
        int[] sorted = epoch0.clone();
        Arrays.sort(sorted);
        assertArrayEquals(EpochOrder.identity(total), sorted);
        if (buffer == 1) {
            int[] shardOf = new int[total];
            for (int s = 0, i = 0; s < shardSizes.length; s++) {
                for (int j = 0; j < shardSizes[s]; j++) {
                    shardOf[i++] = s;
                }
            }
            for (int i = 1; i < total; i++) {
                boolean sameShard = shardOf[epoch0[i]] == shardOf[epoch0[i - 1]];
                assertTrue(
                        !sameShard || epoch0[i] == epoch0[i - 1] + 1, "shard order only: " + Arrays.toString(epoch0));
            }
        }
    }

    @Test
    void shardShuffleChangesPerEpochAndKeepsSamplesNearTheirShard() {
        ShardShuffleOrder order = new ShardShuffleOrder(new int[] {100, 100, 100}, 10);
        int[] a = order.order(300, 5, 0);
        assertNotEquals(Arrays.toString(a), Arrays.toString(order.order(300, 5, 1)));
        // only the buffer's 10 samples are in flight: the first 90 come from the first shard read
        int[] firstShard = {a[0] / 100};
        long fromFirstShard =
                Arrays.stream(a, 0, 90).filter(v -> v / 100 == firstShard[0]).count();
        assertEquals(90, fromFirstShard);
    }

    @Test
    void parallelDecodingGivesTheSameBatchesAsOneThread(@TempDir Path dir) {
        TarShardWriter.write(dir, 3, 4, SIZES, 2);
        WebDatasetShards shards = WebDatasetShards.open(dir + "/shard-{000000..000002}.tar");
        ImageSourceDataset data = ImageSourceDataset.shards(shards, Augmentation.training(8), 4, shards.size());
        ShardedSampler sampler = new ShardedSampler(data.size(), 0, 1, 9, data.trainingOrder(3));
        try (BatchLoader one = new BatchLoader(data, sampler, 3, 4, 5, 2, 1);
                BatchLoader three = new BatchLoader(data, sampler, 3, 4, 5, 2, 3)) {
            for (int b = 0; b < 6; b++) {
                List<ImageArray> x = one.next();
                List<ImageArray> y = three.next();
                for (int i = 0; i < x.size(); i++) {
                    assertArrayEquals(x.get(i).data(), y.get(i).data());
                }
            }
        }
    }

    @Test
    void anEntryDeclaringMoreBytesThanTheShardHoldsFailsAtOpenBeforeAnythingIsAllocated(@TempDir Path dir)
            throws IOException {
        Path file = dir.resolve("big.tar");
        byte[] png = TarShardWriter.png(8, 8, 1);
        try (OutputStream out = Files.newOutputStream(file);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            TarShardWriter.add(tar, "a.png", png);
            TarShardWriter.add(tar, "a.txt", "caption".getBytes(StandardCharsets.UTF_8));
        }
        // the caption's header declares 8 GiB - 1 bytes (octal size field) and the shard ends after one block
        byte[] bytes = Files.readAllBytes(file);
        int header = 512 + (png.length + 511) / 512 * 512;
        byte[] size = "77777777777\0".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(size, 0, bytes, header + 124, size.length);
        int checksum = 0;
        Arrays.fill(bytes, header + 148, header + 156, (byte) ' ');
        for (int i = header; i < header + 512; i++) {
            checksum += bytes[i] & 0xff;
        }
        byte[] sum = String.format("%06o\0 ", checksum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(sum, 0, bytes, header + 148, sum.length);
        Files.write(file, Arrays.copyOf(bytes, header + 1024));
        // TarFile checks each declared size against the file's length while indexing, so no sample can allocate it
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> WebDatasetShards.open(List.of(file)));
        assertEquals(
                "cannot read shard " + file + " as an uncompressed tar file (Truncated TAR archive)", e.getMessage());
    }

    @Test
    void anEntryNameThatIsNotAPathIsSkippedAndAnAbsoluteOneLocatedInItsShard(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("nul.tar");
        try (OutputStream out = Files.newOutputStream(file);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
            // a GNU long name keeps the NUL (the fuzz target's finding: InvalidPathException from reading the sample)
            TarShardWriter.add(tar, "d".repeat(100) + "/x\0y.png", TarShardWriter.png(8, 8, 1));
            TarShardWriter.add(tar, "ok.png", TarShardWriter.png(8, 8, 2));
            byte[] notPng = "not a png".getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry absolute = new TarArchiveEntry("/abs/bad.png", true);
            absolute.setSize(notPng.length);
            tar.putArchiveEntry(absolute);
            tar.write(notPng);
            tar.closeArchiveEntry();
        }
        WebDatasetShards shards = WebDatasetShards.open(List.of(file));
        assertEquals(2, shards.size());
        assertEquals("ok", shards.key(0));
        // an absolute entry name is located under its shard (it named /abs/bad.png, not the shard)
        ImageReadException e = assertThrows(ImageReadException.class, () -> shards.read(1));
        assertTrue(e.getMessage().startsWith(file + "/abs/bad.png: "), e.getMessage());
        assertEquals(
                List.of("nul.tar:" + "d".repeat(100)
                        + "/x\\0y.png (entry name is not a valid path: Nul character not allowed)"),
                shards.skipped());
    }
}
