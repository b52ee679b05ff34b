package dev.vae4j.train.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.ExifOrientation;
import dev.vae4j.core.io.FolderLock;
import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.train.StopRequest;
import dev.vae4j.train.data.ImageSource;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.bytedeco.pytorch.InferenceMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a latent cache: the images of an {@link ImageSource} encoded into a folder of safetensors shards
 * ({@link LatentShards} layout) plus an {@code index.json} ({@link LatentCacheIndex}), what a latent-diffusion trainer
 * reads instead of images. Per sample a shard holds float32 tensors {@code <i>.mean} and {@code <i>.logvar} (L, h, w) —
 * the posterior in the model's normalised space: {@code mean' = normalize(mean)} and {@code logvar' = logvar + 2
 * ln|scale_c|}, so {@code mean' + exp(logvar'/2) * eps} is a normalised latent sample — and with {@code flip} also
 * {@code <i>.mean_flip}/{@code <i>.logvar_flip} of the mirrored crop; for a model with a quantizer (a VQ model) also
 * the int64 code indices {@code <i>.indices} (h, w) (and {@code <i>.indices_flip}). The shard's metadata
 * {@code samples} is a JSON list (position i) of {key, input, caption, json, label (with labels, see
 * {@link CacheLabels}), source_size [w, h], resized_size [w, h], crop [left, top, w, h] in the resized image, bucket
 * [w, h]}; {@code skipped} lists the unreadable inputs with the reason. Shards are written atomically; this rank writes
 * shards {@code j} with {@code j % worldSize == rank}; with {@code resume} a shard whose file exists and parses is kept
 * (a killed writer leaves only a hidden temp file, removed here), every other shard is (re)written. The rank that finds
 * every shard present at its end writes the index. A {@link StopRequest} ends the writing at the next input: the shard
 * in progress is dropped unwritten, so an interrupted folder holds only whole shards.
 *
 * <p>One folder holds one cache: a writer claims it ({@link FolderLock}, shared by the ranks of one {@code vae launch}
 * job), and before writing anything compares the {@link CacheFingerprint} recorded there (model weights and config,
 * crop settings, normalisation, the ordered input list) and the settings of every shard it would keep with its own,
 * refusing the first difference; it also reads the labels of every input it will encode ({@link CacheLabels}), so a
 * missing or malformed label is refused before anything is written.
 */
public final class LatentCacheWriter {
    private static final Logger LOG = LoggerFactory.getLogger(LatentCacheWriter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Autoencoder model;
    private final ImageSource source;
    private final Path folder;
    private final LatentCacheOptions options;
    private final ModelConfig modelConfig;
    private final String modelWeights;
    private final InputList inputs;
    /** The labels of the inputs this rank writes, read before the first write of {@link #write}. */
    private final Map<Integer, Long> labels = new HashMap<>();

    private final ShardEncoder shardEncoder;

    /** Receives this rank's progress: samples done and samples to do (for images/s and ETA). */
    @FunctionalInterface
    public interface Progress {
        /** Called after each batch and each skipped shard. */
        void advance(long done, long total);
    }

    /**
     * What a {@link #write} call did.
     *
     * @param shardsWritten shards this rank encoded
     * @param shardsKept finished shards this rank found and kept (resume)
     * @param encoded samples encoded
     * @param skipped unreadable inputs in the shards written
     * @param indexWritten whether this rank wrote {@code index.json} (all shards were present)
     */
    public record Report(int shardsWritten, int shardsKept, long encoded, long skipped, boolean indexWritten) {}

    /**
     * @param model the autoencoder (in eval mode, on its device)
     * @param source the inputs, in a fixed order
     * @param folder the output folder
     * @param options crop, buckets, shard size, flip, batching
     * @param modelConfig the model's configuration, copied into the index (may be null)
     */
    public LatentCacheWriter(
            Autoencoder model, ImageSource source, Path folder, LatentCacheOptions options, ModelConfig modelConfig) {
        this(model, source, folder, options, modelConfig, null);
    }

    /**
     * @param model the autoencoder (in eval mode, on its device)
     * @param source the inputs, in a fixed order
     * @param folder the output folder
     * @param options crop, buckets, shard size, flip, batching
     * @param modelConfig the model's configuration, copied into the index (may be null)
     * @param modelWeights the digest of the model's weights ({@link ModelWeightsDigest#of}), recorded so that a resume
     *     with other weights is refused; null when unknown (then only the configuration tells models apart)
     */
    public LatentCacheWriter(
            Autoencoder model,
            ImageSource source,
            Path folder,
            LatentCacheOptions options,
            ModelConfig modelConfig,
            String modelWeights) {
        this.model = model;
        this.source = source;
        this.folder = folder;
        this.options = options;
        this.modelConfig = modelConfig;
        this.modelWeights = modelWeights;
        this.inputs = InputList.of(source);
        this.shardEncoder = new ShardEncoder(model, source, folder, options, labels);
        int factor = model.downsamplingFactor();
        boolean divisible = options.buckets() == null
                ? options.resolution() % factor == 0
                : options.buckets().buckets().stream()
                        .allMatch(b -> b.width() % factor == 0 && b.height() % factor == 0);
        if (!divisible) {
            throw new IllegalArgumentException("crop shapes must be multiples of the model's downsampling factor "
                    + factor + "; resolution " + options.resolution()
                    + (options.buckets() == null
                            ? ""
                            : " with buckets " + options.buckets().buckets()) + " is not");
        }
    }

    /**
     * Checks that {@code folder} can receive a new cache from this rank: unless {@code resume}, it holds neither an
     * index nor any shard this rank would write (other ranks' shards may already be appearing).
     *
     * @throws IllegalArgumentException if it already holds a cache and {@code resume} is false
     */
    public static void checkFolder(Path folder, boolean resume, int rank, int worldSize) {
        if (resume || !Files.isDirectory(folder)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                boolean mine = LatentShards.isShardName(name) && LatentShards.shardNumber(name) % worldSize == rank;
                if (mine || name.equals(LatentShards.INDEX)) {
                    throw new IllegalArgumentException(folder + " already holds a latent cache (" + name
                            + "); pass --resume to continue it or choose another output folder");
                }
            }
        } catch (IOException e) {
            throw new FileAccessException("cannot list " + folder, e);
        }
    }

    /**
     * Writes this rank's shards, then the index when every shard is present.
     *
     * @param rank this process's rank
     * @param worldSize number of processes sharing the inputs
     * @param resume keep finished shards
     * @param progress progress callback
     */
    public Report write(int rank, int worldSize, boolean resume, Progress progress) {
        return write(rank, worldSize, resume, progress, new StopRequest());
    }

    /**
     * Writes this rank's shards, then the index when every shard is present, until {@code stop} is requested: the shard
     * in progress is then dropped at its next input (nothing of it is written; {@code resume} redoes it) and the
     * finished shards stay.
     *
     * @param rank this process's rank
     * @param worldSize number of processes sharing the inputs
     * @param resume keep finished shards
     * @param progress progress callback
     * @param stop ends the writing early
     */
    public Report write(int rank, int worldSize, boolean resume, Progress progress, StopRequest stop) {
        checkFolder(folder, resume, rank, worldSize);
        try (FolderLock lock = FolderLock.acquire(folder, "writing a latent cache")) {
            return writeClaimed(rank, worldSize, resume, progress, stop);
        }
    }

    /**
     * The fingerprint of this writer's cache: the model, the options and the inputs.
     *
     * @return a new fingerprint (the input list was read when the writer was made)
     */
    public CacheFingerprint fingerprint() {
        return new CacheFingerprint(
                modelWeights,
                modelConfig == null ? null : modelConfig.toJson(),
                options.resolution(),
                options.buckets() == null
                        ? List.of()
                        : options.buckets().buckets().stream()
                                .map(b -> b.width() + "x" + b.height())
                                .toList(),
                options.flip(),
                options.shardSize(),
                model.latentChannels(),
                model.downsamplingFactor(),
                model.latentNormalizer().scale(),
                model.latentNormalizer().shift(),
                ExifOrientation.current().name().toLowerCase(Locale.ROOT),
                options.labels().mode(),
                options.labels().classNames(),
                inputs);
    }

    /**
     * Refuses a folder whose recorded fingerprint differs from this writer's while it holds a shard or an index.
     *
     * @return the fingerprint to record: this writer's when none is recorded or nothing was cached under the old one,
     *     else null
     * @throws IllegalArgumentException naming the first differing item
     */
    private CacheFingerprint checkFingerprint() {
        CacheFingerprint now = fingerprint();
        CacheFingerprint recorded = CacheFingerprint.read(folder);
        String difference = recorded == null ? null : recorded.difference(now);
        if (difference != null && holdsCache(folder)) {
            throw new IllegalArgumentException(folder + " holds a latent cache made differently: " + difference
                    + "; resume with the same model, inputs and options, or choose another output folder");
        }
        return recorded == null || difference != null ? now : null;
    }

    private static boolean holdsCache(Path folder) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (LatentShards.isShardName(name) || name.equals(LatentShards.INDEX)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new FileAccessException("cannot list " + folder, e);
        }
    }

    private Report writeClaimed(int rank, int worldSize, boolean resume, Progress progress, StopRequest stop) {
        int shards = LatentShards.count(source.size(), options.shardSize());
        String settings = indexHeader().toString();
        List<Integer> mine = new ArrayList<>();
        long total = 0;
        for (int j = rank; j < shards; j += worldSize) {
            mine.add(j);
            total += end(j) - start(j);
        }
        // every check comes before the first write: a refused resume leaves the folder as it was
        CacheFingerprint record = checkFingerprint();
        Set<Integer> keep = new HashSet<>();
        for (int j : mine) {
            if (resume && LatentShards.isComplete(LatentShards.file(folder, j), settings)) {
                keep.add(j);
            }
        }
        labels.clear();
        for (int j : mine) {
            for (int i = start(j); i < end(j) && !keep.contains(j); i++) {
                labels.put(i, options.labels().label(source, i));
            }
        }
        if (record != null) {
            record.write(folder);
        }
        int written = 0;
        int kept = 0;
        long encoded = 0;
        long skipped = 0;
        long done = 0;
        ExecutorService decoders = Executors.newFixedThreadPool(options.decodeWorkers(), runnable -> {
            Thread thread = new Thread(runnable, "vae4j-cache-decoder");
            thread.setDaemon(true);
            return thread;
        });
        try (InferenceMode noGrad = new InferenceMode()) {
            for (int j : mine) {
                Path file = LatentShards.file(folder, j);
                LatentShards.removeTempFiles(file);
                if (keep.contains(j)) {
                    kept++;
                } else {
                    long[] counts = shardEncoder.write(j, settings, decoders, done, total, progress, stop);
                    if (counts == null) {
                        LOG.info("stopped on request ({}): shard {} dropped", stop.reason(), j);
                        break;
                    }
                    encoded += counts[0];
                    skipped += counts[1];
                    written++;
                }
                done += end(j) - start(j);
                progress.advance(done, total);
            }
        } finally {
            decoders.shutdownNow();
        }
        boolean index = LatentCacheIndex.writeIfComplete(folder, shards, indexHeader());
        return new Report(written, kept, encoded, skipped, index);
    }

    /** The model's config as a tree for the index. */
    private JsonNode modelJson() {
        try {
            return JSON.readTree(modelConfig.toJson());
        } catch (IOException e) {
            throw new IllegalStateException("a model config is always valid JSON", e);
        }
    }

    /** The index fields known without reading the shards. */
    private ObjectNode indexHeader() {
        ObjectNode header = JSON.createObjectNode();
        header.put("format", LatentShards.FORMAT);
        header.put("inputs", source.size());
        header.put("resolution", options.resolution());
        ArrayNode buckets = header.putArray("buckets");
        if (options.buckets() != null) {
            options.buckets()
                    .buckets()
                    .forEach(b -> buckets.addArray().add(b.width()).add(b.height()));
        }
        header.put("flip", options.flip());
        header.put("shard_size", options.shardSize());
        header.put("latent_channels", model.latentChannels());
        header.put("downsampling_factor", model.downsamplingFactor());
        header.put("space", "normalized");
        ObjectNode scaling = header.putObject("scaling");
        scaling.put("scaling_factor", model.latentNormalizer().scale());
        scaling.put("shift_factor", model.latentNormalizer().shift());
        if (modelConfig != null) {
            header.set("model", modelJson());
        }
        header.put("model_weights_sha256", modelWeights);
        header.put("input_list_sha256", inputs.sha256());
        if (options.labels().present()) {
            header.put("labels", options.labels().mode());
            ArrayNode classes = header.putArray("classes");
            options.labels().classNames().forEach(classes::add);
        }
        return header;
    }

    private int start(int shard) {
        return LatentShards.start(shard, options.shardSize());
    }

    private int end(int shard) {
        return LatentShards.end(shard, options.shardSize(), source.size());
    }
}
