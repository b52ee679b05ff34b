package dev.vae4j.cli.bench;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.model.InferenceOptions;
import dev.vae4j.train.cache.LatentCacheOptions;
import dev.vae4j.train.cache.LatentCacheWriter;
import dev.vae4j.train.data.Augmentation;
import dev.vae4j.train.data.BatchLoader;
import dev.vae4j.train.data.EpochOrder;
import dev.vae4j.train.data.ImageArray;
import dev.vae4j.train.data.ImageFiles;
import dev.vae4j.train.data.ImageSourceDataset;
import dev.vae4j.train.data.ShardedSampler;
import dev.vae4j.train.data.SyntheticImages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.bytedeco.pytorch.Device;

/**
 * The data workloads of {@code vae bench}, on {@link #IMAGES} synthetic images of mixed sizes around the workload size
 * S (from S x S to 2S x 1.5S, drawn by {@link SyntheticImages}) written once to a temporary folder as JPEG (quality
 * 0.9) or PNG; {@code tools/bench/cache_compare.py} runs the PyTorch side of the last two.
 *
 * <ul>
 *   <li>{@code decode-jpeg-jdk}, {@code decode-jpeg-twelvemonkeys}, {@code decode-png-jdk}: decoding one in-memory file
 *       with that ImageIO reader (the JDK's own, or TwelveMonkeys' {@code imageio-jpeg}), one image per run.
 *   <li>{@code data-pipeline}: a batch of 8 JPEG files read, decoded, resized (shorter side to S) and centre-cropped to
 *       S x S, stacked into a (8, 3, S, S) tensor by the training loader ({@link BatchLoader}, 2 decoding threads).
 *   <li>{@code cache-folder}: {@code vae encode --output DIR/} on the 16 JPEG files: decode and crop to S (2 threads),
 *       SD-preset encode in batches of 4, two shards of 8 written.
 * </ul>
 */
final class DataWorkloads {
    /** Images in the synthetic folder. */
    static final int IMAGES = 16;

    private static final int BATCH = 8;

    private DataWorkloads() {}

    /** A folder of {@link #IMAGES} synthetic images in {@code format} ("jpg" or "png"), deleted at exit. */
    static Path folder(int size, String format) {
        try {
            Path dir = Files.createTempDirectory("vae4j-bench-images");
            for (int i = 0; i < IMAGES; i++) {
                int w = size + (i * size / IMAGES);
                int h = size + (i * 7 % IMAGES) * size / (2 * IMAGES);
                BufferedImage image = new SyntheticImages(1, Math.max(w, h), i, false)
                        .render(0)
                        .getSubimage(0, 0, w, h);
                ImageIO.write(
                        image,
                        format,
                        dir.resolve(String.format("img%02d.%s", i, format)).toFile());
            }
            deleteOnExit(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the benchmark images", e);
        }
    }

    private static void deleteOnExit(Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // best effort: a temporary folder
            }
        }));
    }

    /**
     * Decoding one file per run with the ImageIO reader of {@code format} whose class name starts with {@code vendor}.
     */
    static PreparedWorkload decode(int size, String format, String vendor) {
        Path dir = folder(size, format);
        List<byte[]> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path file : list.sorted().toList()) {
                files.add(Files.readAllBytes(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ImageReader reader = reader(format, vendor);
        return new PreparedWorkload() {
            private int next;

            @Override
            public List<Long> inputShape() {
                return List.of((long) files.get(0).length);
            }

            @Override
            public int imagesPerRun() {
                return 1;
            }

            @Override
            public boolean inference() {
                return true;
            }

            @Override
            public void run() {
                byte[] bytes = files.get(next++ % files.size());
                try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
                    reader.setInput(in);
                    if (reader.read(0).getWidth() <= 0) {
                        throw new IllegalStateException("empty image");
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    private static ImageReader reader(String format, String vendor) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersBySuffix(format);
        List<String> seen = new ArrayList<>();
        while (readers.hasNext()) {
            ImageReader reader = readers.next();
            if (reader.getClass().getName().startsWith(vendor)) {
                return reader;
            }
            seen.add(reader.getClass().getName());
        }
        throw new IllegalStateException("no " + format + " reader from " + vendor + " (have " + seen + ")");
    }

    /** The training loader's decode + resize + crop + stack of a batch of 8 JPEGs. */
    static PreparedWorkload pipeline(int size) {
        ImageFiles files = new ImageFiles(folder(size, "jpg"));
        ImageSourceDataset dataset =
                new ImageSourceDataset(files, 0, files.size(), Augmentation.center(size), EpochOrder.sequential());
        BatchLoader loader = new BatchLoader(dataset, ShardedSampler.single(files.size(), 0, false), BATCH, 0, 0, 4, 2);
        return new PreparedWorkload() {
            @Override
            public List<Long> inputShape() {
                return List.of((long) BATCH, 3L, (long) size, (long) size);
            }

            @Override
            public int imagesPerRun() {
                return BATCH;
            }

            @Override
            public boolean inference() {
                return true;
            }

            @Override
            public void run() {
                ImageArray.toBatch(loader.next()).sum().item_double();
            }
        };
    }

    /** A latent cache of the 16 JPEGs written with the SD preset (random weights). */
    static PreparedWorkload cache(int size, Device device, InferenceOptions options) {
        Path images = folder(size, "jpg");
        AutoencoderKL model = new AutoencoderKL(AutoencoderKLConfig.preset("sd"));
        model.to(device, false);
        model.eval();
        options.prepare(model);
        ImageFiles all = new ImageFiles(images);
        LatentCacheOptions cache = new LatentCacheOptions(size, null, BATCH, false, 4, 2);
        return new PreparedWorkload() {
            @Override
            public List<Long> inputShape() {
                return List.of((long) BATCH, 3L, (long) size, (long) size);
            }

            @Override
            public int imagesPerRun() {
                return all.size();
            }

            @Override
            public boolean inference() {
                return true;
            }

            @Override
            public void run() {
                try {
                    Path out = Files.createTempDirectory("vae4j-bench-cache");
                    deleteOnExit(out);
                    new LatentCacheWriter(model, all, out, cache, null).write(0, 1, false, (done, total) -> {});
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }
}
