package dev.vae4j.eval;

import dev.vae4j.core.model.InferenceOptions;
import dev.vae4j.core.tensor.Precision;
import dev.vae4j.train.dist.Collectives;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.IntConsumer;
import org.bytedeco.pytorch.Device;

/**
 * How one {@link ReconstructionEvaluator#evaluate} call runs: the model's precision and layout, its device, the batch
 * size, an optional cache of the originals' Inception statistics, a progress callback and the ranks sharing the work.
 * {@link #defaults()} is float32 on the CPU in batches of 8, in this process alone, without a cache.
 *
 * @param inference precision and memory layout of the model's calls
 * @param device where the model's parameters live (inputs are moved there)
 * @param batchSize images per forward pass, at least 1
 * @param referenceStats cache of the originals' Inception statistics (read when present and made for {@code cacheKey},
 *     written otherwise), or null; ignored without Inception weights
 * @param cacheKey what the reference statistics summarise (data folder, size, crop, image count)
 * @param progress told the number of images done (by this rank) after each batch
 * @param collectives the ranks sharing the work ({@link Collectives#single()} for one process)
 */
public record EvaluationOptions(
        InferenceOptions inference,
        Device device,
        int batchSize,
        Path referenceStats,
        Map<String, String> cacheKey,
        IntConsumer progress,
        Collectives collectives) {
    /** Checks the options. */
    public EvaluationOptions {
        if (inference == null || device == null || cacheKey == null || progress == null || collectives == null) {
            throw new IllegalArgumentException("evaluation options need inference options, a device, a cache key map, a"
                    + " progress callback and collectives");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("evaluation batch size must be at least 1, got " + batchSize);
        }
        cacheKey = Map.copyOf(cacheKey);
    }

    /** Float32, contiguous, on the CPU, 8 images per batch, no statistics cache, no progress, one process. */
    public static EvaluationOptions defaults() {
        return new EvaluationOptions(
                new InferenceOptions(Precision.FP32, false),
                new Device("cpu"),
                8,
                null,
                Map.of(),
                done -> {},
                Collectives.single());
    }

    /** These options with the model's calls in {@code value}'s precision and layout. */
    public EvaluationOptions withInference(InferenceOptions value) {
        return new EvaluationOptions(value, device, batchSize, referenceStats, cacheKey, progress, collectives);
    }

    /** These options with the model on {@code value}. */
    public EvaluationOptions withDevice(Device value) {
        return new EvaluationOptions(inference, value, batchSize, referenceStats, cacheKey, progress, collectives);
    }

    /** These options with {@code value} images per forward pass. */
    public EvaluationOptions withBatchSize(int value) {
        return new EvaluationOptions(inference, device, value, referenceStats, cacheKey, progress, collectives);
    }

    /** These options with the originals' Inception statistics cached in {@code file} under {@code key}. */
    public EvaluationOptions withReferenceStats(Path file, Map<String, String> key) {
        return new EvaluationOptions(inference, device, batchSize, file, key, progress, collectives);
    }

    /** These options telling {@code value} the number of images done after each batch. */
    public EvaluationOptions withProgress(IntConsumer value) {
        return new EvaluationOptions(inference, device, batchSize, referenceStats, cacheKey, value, collectives);
    }

    /** These options sharing the work with the ranks of {@code value}. */
    public EvaluationOptions withCollectives(Collectives value) {
        return new EvaluationOptions(inference, device, batchSize, referenceStats, cacheKey, progress, value);
    }
}
