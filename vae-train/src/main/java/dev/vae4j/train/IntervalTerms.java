package dev.vae4j.train;

import dev.vae4j.core.tensor.CudaMemory;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.Reductions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The loss terms of the current log interval, summed on the device (float64 0-d tensors owned here, outside any scope)
 * with a host-side count of the steps that logged each; {@link #close} reads all sums in one copy, averages them over
 * the steps and then over the ranks (one collective) and starts the next interval.
 */
final class IntervalTerms {
    private final Map<String, Tensor> sums = new LinkedHashMap<>();
    private final Map<String, Integer> counts = new LinkedHashMap<>();
    private long firstStep = -1;
    private int skipped;
    private double seconds;

    /** Adds a step's terms (0-d tensors, already averaged over its micro-batches; empty for a skipped step). */
    void add(StepReport step, Map<String, Tensor> terms) {
        if (firstStep < 0) {
            firstStep = step.step();
        }
        seconds += step.seconds();
        skipped += step.skipped() ? 1 : 0;
        terms.forEach((name, value) -> {
            Tensor sum = sums.get(name);
            if (sum == null) {
                sums.put(name, owned(value.to(torch.ScalarType.Double).clone()));
            } else {
                sum.add_(value);
            }
            counts.merge(name, 1, Integer::sum);
        });
    }

    /** The interval's report (ending at {@code last}); frees the sums for the next interval. */
    IntervalReport close(StepReport last, Collectives collectives, String device) {
        Map<String, Double> means = new LinkedHashMap<>();
        if (!sums.isEmpty()) {
            try (TensorScope scope = new TensorScope()) {
                double[] host = HostSyncs.read(
                        torch.stack(new TensorVector(sums.values().toArray(new Tensor[0]))));
                int i = 0;
                for (String name : sums.keySet()) {
                    means.put(name, host[i++] / counts.get(name));
                }
            }
        }
        if (!means.isEmpty()) { // every rank skipped the same steps: all or none of them take part
            means = Reductions.mean(collectives, means);
        }
        IntervalReport report = new IntervalReport(
                firstStep,
                last.step(),
                last.learningRate(),
                means,
                skipped,
                seconds,
                CudaMemory.peakAllocatedBytes(device));
        sums.values().forEach(Tensor::close);
        sums.clear();
        counts.clear();
        firstStep = -1;
        skipped = 0;
        seconds = 0;
        return report;
    }

    /** Takes {@code t} out of the innermost scope: this class frees it. */
    private static Tensor owned(Tensor t) {
        t.retainReference();
        PointerScope inner = PointerScope.getInnerScope();
        if (inner != null) {
            inner.detach(t);
        }
        return t;
    }
}
