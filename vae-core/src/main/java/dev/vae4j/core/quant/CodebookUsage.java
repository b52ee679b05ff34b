package dev.vae4j.core.quant;

import static org.bytedeco.pytorch.global.torch.bincount;

import dev.vae4j.core.tensor.TensorScope;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;

/**
 * How a batch of indices uses a codebook.
 *
 * @param perplexity exp(-sum p log(p + 1e-10)) of the index frequencies p, as pytorch-diffusion's
 *     {@code VectorQuantizerEMA} computes it: 1 when one code takes everything, the codebook size when all are equally
 *     used
 * @param usedCodes the number of distinct indices in the batch
 * @param codebookSize the index range
 */
public record CodebookUsage(double perplexity, long usedCodes, long codebookSize) {
    /** The index range [0, codebookSize) must be non-empty and hold the used codes. */
    public CodebookUsage {
        if (codebookSize < 1 || usedCodes < 0 || usedCodes > codebookSize) {
            throw new IllegalArgumentException(
                    "codebook usage: " + usedCodes + " used codes of " + codebookSize + " is not a usage");
        }
    }

    /** The fraction of the codebook the batch used, in [0, 1]. */
    public double usedFraction() {
        return (double) usedCodes / codebookSize;
    }

    /**
     * The usage of {@code indices} (any shape, int64 in [0, size)) over a codebook of {@code size} codes.
     *
     * @throws IllegalArgumentException when an index lies outside [0, size) or there are no indices
     */
    public static CodebookUsage of(Tensor indices, long size) {
        try (TensorScope scope = new TensorScope()) {
            Tensor flat = indices.reshape(-1);
            if (flat.numel() == 0) {
                throw new IllegalArgumentException("codebook usage of an empty index tensor");
            }
            long min = flat.min().item_long();
            long max = flat.max().item_long();
            if (min < 0 || max >= size) {
                throw new IllegalArgumentException(
                        "codebook usage: indices span [" + min + ", " + max + "], outside [0, " + size + ")");
            }
            return fromCounts(counts(flat, size));
        }
    }

    /** How often each of {@code size} codes occurs in {@code indices} (any shape, int64 in [0, size)). */
    public static long[] counts(Tensor indices, long size) {
        long[] counts = new long[Math.toIntExact(size)];
        bincount(indices.reshape(-1), new TensorOptional(), size)
                .cpu()
                .contiguous()
                .data_ptr_long()
                .get(counts);
        return counts;
    }

    /**
     * The usage described by per-code counts (the codebook size is their number).
     *
     * @throws IllegalArgumentException when there are no codes, a negative count or no occurrence at all
     */
    public static CodebookUsage fromCounts(long[] counts) {
        long total = Arrays.stream(counts).sum();
        if (counts.length == 0 || total <= 0 || Arrays.stream(counts).anyMatch(c -> c < 0)) {
            throw new IllegalArgumentException(
                    "codebook usage: counts of " + counts.length + " codes with total " + total + " are not a usage");
        }
        double entropy = 0;
        long used = 0;
        for (long c : counts) {
            double p = (double) c / total;
            entropy -= p * Math.log(p + 1e-10);
            used += c > 0 ? 1 : 0;
        }
        return new CodebookUsage(Math.exp(entropy), used, counts.length);
    }
}
