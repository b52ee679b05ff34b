package dev.vae4j.train.cache;

import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.bytedeco.pytorch.global.torch.stack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.train.data.EpochOrder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Reads a latent cache folder written by {@link LatentCacheWriter} back as batches of latents with their keys, captions
 * and class labels (when it has them), with the per-channel statistics of its latents: what a JVM latent-diffusion
 * trainer consumes. An epoch visits every cached sample once in an order shuffled across all shards (seeded by (seed,
 * epoch)), gathering samples of the same crop shape into batches (a shape's batch is emitted when full; the partial
 * batches are emitted at the end of the epoch). A latent is the posterior mean, or a sample {@code mean + exp(logvar /
 * 2) * eps} drawn with a generator seeded by (seed, epoch, sample) — both in the model's normalised space; when the
 * cache holds flips, each sample takes its mirrored version with probability 1/2. Shard files are opened on demand and
 * kept open until {@link #close()}; the tensors of a batch belong to the caller's
 * {@link dev.vae4j.core.tensor.TensorScope}.
 */
public final class LatentDataset implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path folder;
    private final JsonNode index;
    private final List<Entry> entries;
    private final Map<Integer, SafetensorsReader> readers = new HashMap<>();
    private final boolean flips;

    /** One cached sample: its shard, position in the shard, key, caption (or null), crop shape and label (or -1). */
    private record Entry(int shard, int position, String key, String caption, String shape, long label) {}

    /**
     * A batch of latents.
     *
     * @param latents (B, L, h, w) float32 in the model's normalised space
     * @param keys the samples' keys
     * @param captions the samples' captions (null where a sample has none)
     * @param labels (B) int64 class labels, or null when the cache has none ({@link #classNames()})
     */
    public record Batch(Tensor latents, List<String> keys, List<String> captions, Tensor labels) {}

    /** How latents are taken from the cached posteriors. */
    public enum Mode {
        /** The posterior mean. */
        MEAN,
        /** A sample of the posterior. */
        SAMPLE
    }

    private LatentDataset(Path folder, JsonNode index, List<Entry> entries) {
        this.folder = folder;
        this.index = index;
        this.entries = entries;
        this.flips = index.path("flip").asBoolean(false);
    }

    /**
     * Opens the cache in {@code folder} through its {@code index.json} (reading every shard's sample list).
     *
     * @throws IllegalArgumentException if the folder has no index (an unfinished cache: resume its writer)
     * @throws LatentCacheFormatException naming the file and field if the index or a shard's sample list is malformed
     */
    public static LatentDataset open(Path folder) {
        Path indexFile = folder.resolve(LatentShards.INDEX);
        if (!Files.isRegularFile(indexFile)) {
            throw new IllegalArgumentException(folder + " has no " + LatentShards.INDEX + ": not a finished latent"
                    + " cache (run vae encode --resume on it)");
        }
        JsonNode index = readJson(indexFile, () -> JSON.readTree(indexFile.toFile()));
        require(index.isObject(), indexFile, "is not a JSON object");
        for (String field : List.of("latent_channels", "downsampling_factor")) {
            require(index.path(field).canConvertToInt(), indexFile, "has no integer '" + field + "'");
        }
        require(index.path("scaling").isObject(), indexFile, "has no 'scaling' object");
        boolean labelled = index.has("labels");
        for (String field : List.of("channel_mean", "channel_std")) {
            JsonNode values = index.path(field);
            boolean numbers = values.isArray()
                    && values.size() == index.get("latent_channels").asInt();
            for (JsonNode value : values) {
                numbers &= value.isNumber();
            }
            require(
                    values.isMissingNode() || numbers,
                    indexFile,
                    "'" + field + "' is not a list of one number per latent channel");
        }
        JsonNode shards = index.path("shards");
        require(shards.isArray(), indexFile, "has no 'shards' list");
        List<Entry> entries = new ArrayList<>();
        for (int j = 0; j < shards.size(); j++) {
            JsonNode file = shards.get(j).path("file");
            require(file.isTextual(), indexFile, "shard " + j + " has no 'file' name");
            require(
                    file.asText().matches("[A-Za-z0-9._-]+") && !file.asText().matches("\\.+"),
                    indexFile,
                    "shard " + j + " file '" + file.asText() + "' is not a file name inside the cache folder");
            Path shard = folder.resolve(file.asText());
            try (SafetensorsReader reader = SafetensorsReader.open(shard)) {
                String text = reader.metadata().get("samples");
                require(text != null, shard, "has no 'samples' metadata");
                JsonNode samples = readJson(shard, () -> JSON.readTree(text));
                require(samples.isArray(), shard, "'samples' metadata is not a list");
                for (int i = 0; i < samples.size(); i++) {
                    JsonNode s = samples.get(i);
                    JsonNode bucket = s.path("bucket");
                    require(s.path("key").isTextual(), shard, "sample " + i + " has no 'key'");
                    require(bucket.isArray() && bucket.size() == 2, shard, "sample " + i + " has no 'bucket' [w, h]");
                    require(
                            !labelled
                                    || s.path("label").canConvertToLong()
                                            && s.get("label").asLong() >= 0,
                            shard,
                            "sample " + i + " has no integer 'label' though the index records labels");
                    entries.add(new Entry(
                            j,
                            i,
                            s.get("key").asText(),
                            s.has("caption") ? s.get("caption").asText() : null,
                            bucket.get(0).asInt() + "x" + bucket.get(1).asInt(),
                            labelled ? s.get("label").asLong() : -1));
                }
            }
        }
        return new LatentDataset(folder, index, List.copyOf(entries));
    }

    private interface JsonRead {
        JsonNode read() throws IOException;
    }

    private static JsonNode readJson(Path file, JsonRead read) {
        try {
            return read.read();
        } catch (JsonProcessingException e) {
            throw new LatentCacheFormatException(file, "is not valid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new FileAccessException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void require(boolean condition, Path file, String problem) {
        if (!condition) {
            throw new LatentCacheFormatException(file, problem + " (an edited or incomplete cache: encode it again)");
        }
    }

    /** Number of cached samples. */
    public int size() {
        return entries.size();
    }

    /** Channels of the cached latents (L of (L, h, w)). */
    public int latentChannels() {
        return index.path("latent_channels").asInt();
    }

    /** Pixels per latent cell of the model that encoded the cache (8 for SD's VAE). */
    public int downsamplingFactor() {
        return index.path("downsampling_factor").asInt();
    }

    /**
     * The normalisation the cached latents are in, {@code (z - shift) * scale} of the encoding model (the latents a
     * diffusion model trains on); {@link LatentNormalizer#denormalize} gives what the model's decoder takes.
     */
    public LatentNormalizer normalizer() {
        JsonNode scaling = index.path("scaling");
        return LatentNormalizer.of(
                scaling.path("scaling_factor").asDouble(1.0),
                scaling.path("shift_factor").asDouble(0.0));
    }

    /**
     * The label mode the cache was written with: {@code none}, {@code folders}, {@code synthetic} or {@code json:KEY}.
     */
    public String labelMode() {
        return index.path("labels").asText("none");
    }

    /** The class label of every sample, in index order; null when the cache has no labels. */
    public long[] labels() {
        if (!index.has("labels")) {
            return null;
        }
        return entries.stream().mapToLong(Entry::label).toArray();
    }

    /** The class names (label i names class {@code classNames().get(i)}); empty without labels or names. */
    public List<String> classNames() {
        List<String> names = new ArrayList<>();
        index.path("classes").forEach(c -> names.add(c.asText()));
        return List.copyOf(names);
    }

    /**
     * Per latent channel, the mean of the cached latents (posterior means in the normalised space, as
     * {@code index.json} records them); null for a cache written before the index recorded it.
     */
    public double[] channelMean() {
        return doubles(index.path("channel_mean"));
    }

    /**
     * Per latent channel, the Bessel-corrected standard deviation of the cached latents; null like
     * {@link #channelMean()}.
     */
    public double[] channelStd() {
        return doubles(index.path("channel_std"));
    }

    private static double[] doubles(JsonNode values) {
        if (!values.isArray()) {
            return null;
        }
        double[] out = new double[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).asDouble();
        }
        return out;
    }

    /** Whether each sample also holds the latents of its horizontally flipped image. */
    public boolean flips() {
        return flips;
    }

    /**
     * The batches of one epoch, in order.
     *
     * @param batchSize samples per batch (partial batches of a shape come at the end)
     * @param seed shuffle seed
     * @param epoch epoch number (changes the order)
     * @param shuffle shuffle across shards (false: cache order)
     * @return lists of sample indices, one per batch; load each with {@link #batch}
     */
    public List<int[]> epoch(int batchSize, long seed, long epoch, boolean shuffle) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        int[] order = (shuffle ? EpochOrder.shuffled() : EpochOrder.sequential()).order(entries.size(), seed, epoch);
        Map<String, List<Integer>> open = new LinkedHashMap<>();
        List<int[]> batches = new ArrayList<>();
        for (int index : order) {
            List<Integer> group = open.computeIfAbsent(entries.get(index).shape(), s -> new ArrayList<>());
            group.add(index);
            if (group.size() == batchSize) {
                batches.add(group.stream().mapToInt(Integer::intValue).toArray());
                group.clear();
            }
        }
        open.values().stream()
                .filter(g -> !g.isEmpty())
                .forEach(g -> batches.add(g.stream().mapToInt(Integer::intValue).toArray()));
        return batches;
    }

    /**
     * Loads the samples {@code indices} (one crop shape) as a batch.
     *
     * @param seed noise and flip seed; with the epoch, a sample's noise does not depend on its batch
     * @param epoch epoch number
     * @param mode mean or posterior sample
     * @throws IllegalArgumentException if the samples have different crop shapes
     * @throws LatentCacheFormatException if samples of one crop shape hold latents of different shapes, or a sample's
     *     log-variance and mean differ in shape (an edited cache)
     */
    public Batch batch(int[] indices, long seed, long epoch, Mode mode) {
        TensorVector rows = new TensorVector();
        List<String> keys = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        long[] labels = new long[indices.length];
        String shape = entries.get(indices[0]).shape();
        long[] latentShape = null;
        for (int row = 0; row < indices.length; row++) {
            int index = indices[row];
            Entry entry = entries.get(index);
            labels[row] = entry.label();
            if (!entry.shape().equals(shape)) {
                throw new IllegalArgumentException(
                        "sample " + entry.key() + " is " + entry.shape() + " but the batch" + " is " + shape);
            }
            long sampleSeed = (seed * 0x9E3779B97F4A7C15L + epoch) * 1_000_003L + index;
            boolean flip = flips && new SplittableRandom(sampleSeed).nextBoolean();
            SafetensorsReader reader = reader(entry.shard());
            String suffix = flip ? "_flip" : "";
            Tensor mean = reader.load(entry.position() + ".mean" + suffix);
            long[] sizes = mean.sizes().vec().get();
            if (latentShape == null) {
                latentShape = sizes;
            }
            require(
                    Arrays.equals(sizes, latentShape),
                    reader.path(),
                    "sample " + entry.key() + " is a " + Arrays.toString(sizes) + " latent but sample "
                            + entries.get(indices[0]).key() + " of the same crop " + shape + " is "
                            + Arrays.toString(latentShape));
            if (mode == Mode.SAMPLE) {
                Tensor logvar = reader.load(entry.position() + ".logvar" + suffix);
                require(
                        Arrays.equals(logvar.sizes().vec().get(), sizes),
                        reader.path(),
                        "sample " + entry.key() + " has a log-variance of another shape than its "
                                + Arrays.toString(sizes) + " mean");
                Generator generator = createCPUGenerator(sampleSeed);
                Tensor eps = randn(sizes, new GeneratorOptional(generator), new TensorOptions(torch.ScalarType.Float));
                mean = mean.add(logvar.mul(new Scalar(0.5)).exp().mul(eps));
            }
            rows.push_back(mean);
            keys.add(entry.key());
            captions.add(entry.caption());
        }
        Tensor labelTensor = index.has("labels") ? torch.tensor(labels).to(torch.ScalarType.Long) : null;
        return new Batch(stack(rows), keys, captions, labelTensor);
    }

    private synchronized SafetensorsReader reader(int shard) {
        return readers.computeIfAbsent(
                shard,
                j -> SafetensorsReader.open(
                        folder.resolve(index.get("shards").get(j).get("file").asText())));
    }

    /** Closes the open shard files. */
    @Override
    public synchronized void close() {
        readers.values().forEach(SafetensorsReader::close);
        readers.clear();
    }
}
