package dev.vae4j.train.cache;

import static org.bytedeco.pytorch.global.torch.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.LatentDistribution;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.core.model.QuantizedLatent;
import dev.vae4j.core.quant.Quantization;
import dev.vae4j.core.quant.Quantizer;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.StopRequest;
import dev.vae4j.train.data.ImageArray;
import dev.vae4j.train.data.ImageSource;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encodes the inputs of one latent-cache shard and writes its file, for {@link LatentCacheWriter} (which describes the
 * shard's tensors and metadata): images are read and cropped ahead on a pool, grouped by crop shape into batches of
 * {@link LatentCacheOptions#batchSize()}, encoded (and their mirrors with {@code flip}), and each posterior moved to
 * the model's normalised space as float32 (L, h, w) on the CPU; the shard is written atomically once all are encoded.
 */
final class ShardEncoder {
    private static final Logger LOG = LoggerFactory.getLogger(ShardEncoder.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Autoencoder model;
    private final ImageSource source;
    private final Path folder;
    private final LatentCacheOptions options;
    private final Map<Integer, Long> labels;

    /**
     * @param model the autoencoder (in eval mode, on its device)
     * @param source the inputs, in a fixed order
     * @param folder the cache folder
     * @param options crop, buckets, shard size, flip, batching
     * @param labels the class label of each input index to write (absent: no label), read when a shard is written
     */
    ShardEncoder(
            Autoencoder model, ImageSource source, Path folder, LatentCacheOptions options, Map<Integer, Long> labels) {
        this.model = model;
        this.source = source;
        this.folder = folder;
        this.options = options;
        this.labels = labels;
    }

    /**
     * Encodes shard {@code j} and writes its file.
     *
     * @param settings the cache's settings, recorded in the shard's metadata
     * @param decoders the pool that reads and crops images ahead of the encoder
     * @param doneBefore samples this rank finished before this shard, for {@code progress}
     * @param total samples this rank writes
     * @return {encoded, skipped}, or null when {@code stop} ended the shard unwritten
     */
    long[] write(
            int j,
            String settings,
            ExecutorService decoders,
            long doneBefore,
            long total,
            LatentCacheWriter.Progress progress,
            StopRequest stop) {
        int start = LatentShards.start(j, options.shardSize());
        int end = LatentShards.end(j, options.shardSize(), source.size());
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
        metadata.put(
                "inputs",
                "[" + LatentShards.start(j, options.shardSize()) + ", "
                        + LatentShards.end(j, options.shardSize(), source.size()) + "]");
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
