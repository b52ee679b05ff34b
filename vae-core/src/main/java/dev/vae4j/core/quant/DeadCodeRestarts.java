package dev.vae4j.core.quant;

import java.util.stream.IntStream;
import org.bytedeco.pytorch.Tensor;

/**
 * Counts, per code, the consecutive training steps in which no latent chose it, and names the codes whose count reached
 * the limit (dead codes, to be re-seeded). The counts live on the Java heap: they are not part of the state dict, so a
 * checkpoint's keys do not depend on whether restarts are on.
 */
final class DeadCodeRestarts {
    private final long limit;
    private final long[] idleSteps;

    /** {@code size} codes, restarted after {@code limit} (>= 1) unused steps. */
    DeadCodeRestarts(long size, long limit) {
        this.limit = limit;
        this.idleSteps = new long[Math.toIntExact(size)];
    }

    /** The codes idle for at least the limit, ascending; their counts restart at zero. */
    long[] takeDead() {
        long[] dead = IntStream.range(0, idleSteps.length)
                .filter(i -> idleSteps[i] >= limit)
                .asLongStream()
                .toArray();
        for (long code : dead) {
            idleSteps[(int) code] = 0;
        }
        return dead;
    }

    /** Records one step's choices {@code indices} (any shape, int64 codes). */
    void observe(Tensor indices) {
        long[] counts = CodebookUsage.counts(indices, idleSteps.length);
        for (int i = 0; i < counts.length; i++) {
            idleSteps[i] = counts[i] > 0 ? 0 : idleSteps[i] + 1;
        }
    }
}
