package dev.vae4j.train.cache;

import static org.bytedeco.pytorch.global.torch.log;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.ExifOrientation;
import dev.vae4j.core.io.FolderLock;
import dev.vae4j.core.io.SafetensorsFormatException;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.LatentDistribution;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.core.model.QuantizedLatent;
import dev.vae4j.core.quant.Quantization;
import dev.vae4j.core.quant.Quantizer;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.StopRequest;
import dev.vae4j.train.data.ImageArray;
import dev.vae4j.train.data.ImageSource;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
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
            if (resume && isComplete(LatentShards.file(folder, j), settings)) {
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
                removeTempFiles(file);
                if (keep.contains(j)) {
                    kept++;
                } else {
                    long[] counts = writeShard(j, settings, decoders, done, total, progress, stop);
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
        return shard * options.shardSize();
    }

    private int end(int shard) {
        return Math.min(source.size(), (shard + 1) * options.shardSize());
    }

    /**
     * Whether a shard file exists and parses (else it is redone).
     *
     * @throws IllegalArgumentException if it was written with other settings (inputs, crop, model)
     */
    private static boolean isComplete(Path file, String settings) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        String written;
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            written = reader.metadata().get("cache");
        } catch (SafetensorsFormatException | FileAccessException e) {
            LOG.warn("redoing shard {}: {}", file, e.getMessage());
            return false;
        }
        if (!settings.equals(written)) {
            throw new IllegalArgumentException(
                    file + " was written with other settings (" + SettingsDifferences.between(written, settings)
                            + "); resume with the same inputs, model and options, or use another folder");
        }
        return true;
    }

    private static void removeTempFiles(Path file) {
        String prefix = "." + file.getFileName() + ".";
        try (DirectoryStream<Path> files = Files.newDirectoryStream(file.getParent(), prefix + "*.tmp")) {
            for (Path temp : files) {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new FileAccessException("cannot clean temporary files of " + file, e);
        }
    }

    /** Encodes shard {@code j}; returns {encoded, skipped}, or null when {@code stop} ended it unwritten. */
    private long[] writeShard(
            int j,
            String settings,
            ExecutorService decoders,
            long doneBefore,
            long total,
            Progress progress,
            StopRequest stop) {
        int start = start(j);
        int end = end(j);
        int channels = model.imageChannels();
        Deque<CompletableFuture<PreparedImage>> pending = new ArrayDeque<>();
        int next = start;
        int ahead = options.batchSize() * 2 + options.decodeWorkers();
        Map<String, List<PreparedImage>> byShape = new LinkedHashMap<>();
        Map<Integer, Map<String, Tensor>> posteriors = new LinkedHashMap<>();
        List<PreparedImage> prepared = new ArrayList<>();
        ArrayNode skippedInputs = JSON.createArrayNode();
        try (TensorScope scope = new TensorScope()) {
            Tensor slope = normalizationSlope();
            for (int i = start; i < end; i++) {
                if (stop.requested()) {
                    return null;
                }
                while (next < end && next < i + ahead) {
                    int index = next++;
                    pending.add(CompletableFuture.supplyAsync(
                            () -> PreparedImage.prepare(source, index, options, channels), decoders));
                }
                PreparedImage image = pending.removeFirst().join();
                if (image.error() != null) {
                    LOG.warn("skipping unreadable input {}: {}", source.describe(i), image.error());
                    skippedInputs.addObject().put("input", source.describe(i)).put("error", image.error());
                    continue;
                }
                prepared.add(image);
                List<PreparedImage> group = byShape.computeIfAbsent(image.shape(), s -> new ArrayList<>());
                group.add(image);
                if (group.size() == options.batchSize()) {
                    encode(group, slope, posteriors);
                    group.clear();
                    progress.advance(doneBefore + i + 1 - start, total);
                }
            }
            for (List<PreparedImage> group : byShape.values()) {
                if (!group.isEmpty()) {
                    encode(group, slope, posteriors);
                }
            }
            save(j, settings, prepared, posteriors, skippedInputs);
        }
        return new long[] {prepared.size(), skippedInputs.size()};
    }

    /** d normalize(z) / dz per channel, (1, L, 1, 1). */
    private Tensor normalizationSlope() {
        TensorOptions floats = new TensorOptions(torch.ScalarType.Float);
        long[] shape = {1, model.latentChannels(), 1, 1};
        LatentNormalizer normalizer = model.latentNormalizer();
        return normalizer.normalize(torch.ones(shape, floats)).sub(normalizer.normalize(torch.zeros(shape, floats)));
    }

    private void encode(List<PreparedImage> group, Tensor slope, Map<Integer, Map<String, Tensor>> posteriors) {
        Map<String, Tensor> plain =
                encode(group.stream().map(PreparedImage::pixels).toList(), slope);
        Map<String, Tensor> flipped = options.flip()
                ? encode(group.stream().map(PreparedImage::flipped).toList(), slope)
                : Map.of();
        for (int r = 0; r < group.size(); r++) {
            Map<String, Tensor> row = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : plain.entrySet()) {
                row.put(e.getKey(), e.getValue().get(r).clone());
            }
            for (Map.Entry<String, Tensor> e : flipped.entrySet()) {
                row.put(e.getKey() + "_flip", e.getValue().get(r).clone());
            }
            posteriors.put(group.get(r).index(), row);
        }
    }

    /**
     * Normalised {@code mean}, {@code logvar} (B, L, h, w) of a batch, float32 on the CPU, and for a VQ model the int64
     * {@code indices} (B, h, w) of its raw latents.
     */
    private Map<String, Tensor> encode(List<ImageArray> images, Tensor slope) {
        LatentDistribution posterior = model.encode(ImageArray.toBatch(images));
        Tensor mean = model.latentNormalizer().normalize(posterior.mean().to(torch.ScalarType.Float));
        Tensor logvar = posterior
                .logvar()
                .to(torch.ScalarType.Float)
                .add(log(slope.abs().to(mean.device(), torch.ScalarType.Float)).mul(new Scalar(2.0)));
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("mean", cpu(mean));
        out.put("logvar", cpu(logvar));
        model.quantizer().ifPresent(q -> out.put("indices", codeIndices(posterior, q)));
        return out;
    }

    /**
     * The int64 code indices (B, h, w) of a VQ model's posterior, on the CPU: those its quantization carries, or, for a
     * wrapper that built a distribution of its own (tiled encoding), those of quantizing its latents again.
     */
    private static Tensor codeIndices(LatentDistribution posterior, Quantizer quantizer) {
        Quantization quantization = posterior instanceof QuantizedLatent quantized
                ? quantized.quantization()
                : quantizer.quantize(posterior.mean());
        return quantization.indices().cpu().contiguous();
    }

    private static Tensor cpu(Tensor t) {
        return t.to(new Device(torch.DeviceType.CPU), torch.ScalarType.Float, false, false, new MemoryFormatOptional())
                .contiguous();
    }

    private void save(
            int j,
            String settings,
            List<PreparedImage> prepared,
            Map<Integer, Map<String, Tensor>> posteriors,
            ArrayNode skipped) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        ArrayNode samples = JSON.createArrayNode();
        for (int i = 0; i < prepared.size(); i++) {
            PreparedImage image = prepared.get(i);
            for (Map.Entry<String, Tensor> e : posteriors.get(image.index()).entrySet()) {
                tensors.put(i + "." + e.getKey(), e.getValue());
            }
            samples.add(describe(image));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", LatentShards.FORMAT);
        metadata.put("shard", Integer.toString(j));
        metadata.put("inputs", "[" + start(j) + ", " + end(j) + "]");
        metadata.put("flip", Boolean.toString(options.flip()));
        metadata.put("samples", samples.toString());
        metadata.put("cache", settings);
        metadata.put("skipped", skipped.toString());
        SafetensorsWriter.write(LatentShards.file(folder, j), tensors, metadata);
    }

    private ObjectNode describe(PreparedImage image) {
        ObjectNode sample = JSON.createObjectNode();
        sample.put("key", source.key(image.index()));
        sample.put("input", source.describe(image.index()));
        String caption = source.caption(image.index());
        if (caption != null) {
            sample.put("caption", caption);
        }
        String json = source.json(image.index());
        if (json != null) {
            sample.put("json", json);
        }
        Long label = labels.get(image.index());
        if (label != null) {
            sample.put("label", label);
        }
        var p = image.placement();
        sample.putArray("source_size").add(image.sourceWidth()).add(image.sourceHeight());
        sample.putArray("resized_size").add(p.resizedWidth()).add(p.resizedHeight());
        sample.putArray("crop").add(p.left()).add(p.top()).add(p.width()).add(p.height());
        sample.putArray("bucket").add(p.width()).add(p.height());
        return sample;
    }
}
