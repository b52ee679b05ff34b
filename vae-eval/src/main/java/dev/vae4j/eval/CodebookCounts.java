package dev.vae4j.eval;

import dev.vae4j.core.quant.CodebookUsage;
import dev.vae4j.core.quant.Quantizer;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.Reductions;
import org.bytedeco.pytorch.Tensor;

/** How often each code of a quantizer occurred over an evaluation, summed over ranks. */
final class CodebookCounts {
    private final Quantizer quantizer;
    private final long[] counts;

    /** Zero counts for every index of {@code quantizer}. */
    CodebookCounts(Quantizer quantizer) {
        this.quantizer = quantizer;
        this.counts = new long[Math.toIntExact(quantizer.indexRange())];
    }

    /** Counts the indices of raw latents {@code z} (N, C, h, w), the model's codes. */
    void add(Tensor z) {
        long[] batch = CodebookUsage.counts(quantizer.quantize(z).indices(), counts.length);
        for (int i = 0; i < counts.length; i++) {
            counts[i] += batch[i];
        }
    }

    /** Sums the counts over ranks (a no-op on one process). */
    void allReduce(Collectives collectives) {
        double[] local = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            local[i] = counts[i];
        }
        double[] total = Reductions.sum(collectives, local);
        for (int i = 0; i < counts.length; i++) {
            counts[i] = Math.round(total[i]);
        }
    }

    /** The usage of the whole set. */
    CodebookUsage usage() {
        return CodebookUsage.fromCounts(counts);
    }
}
