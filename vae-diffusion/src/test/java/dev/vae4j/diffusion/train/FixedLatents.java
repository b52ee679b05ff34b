package dev.vae4j.diffusion.train;

import static org.bytedeco.pytorch.global.torch.index_select;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Training latents held in memory: sample i is row i of {@code latents}, or, {@link #byPosition}, the sample visited at
 * global position g is row g (a fixture's batches in consumption order).
 */
final class FixedLatents implements LatentSource {
    private final Tensor latents;
    private final long[] labels;
    private final boolean byPosition;
    private final int size;

    private FixedLatents(Tensor latents, long[] labels, boolean byPosition, int size) {
        this.latents = owned(latents.to(ScalarType.Float).contiguous());
        this.labels = labels;
        this.byPosition = byPosition;
        this.size = size;
    }

    /** Sample i is row i; labels may be null. */
    static FixedLatents of(Tensor latents, long[] labels) {
        return new FixedLatents(latents, labels, false, (int) latents.size(0));
    }

    /** Row g is the sample at global position g, whatever the sampler's index (an epoch of {@code epoch} samples). */
    static FixedLatents byPosition(Tensor latents, long[] labels, int epoch) {
        return new FixedLatents(latents, labels, true, epoch);
    }

    /** Standard normal latents (n, c, s, s) from {@code seed}, labels i % classes (none when classes is 0). */
    static FixedLatents random(int n, int c, int s, int classes, long seed) {
        Tensor x = torch.randn(
                new long[] {n, c, s, s},
                new org.bytedeco.pytorch.GeneratorOptional(torch.createCPUGenerator(seed)),
                new org.bytedeco.pytorch.TensorOptions(ScalarType.Float));
        long[] labels = null;
        if (classes > 0) {
            labels = new long[n];
            for (int i = 0; i < n; i++) {
                labels[i] = i % classes;
            }
        }
        return of(x, labels);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public long[] latentShape() {
        return new long[] {latents.size(1), latents.size(2), latents.size(3)};
    }

    @Override
    public long[] labels() {
        return labels == null ? null : labels.clone();
    }

    @Override
    public List<String> classNames() {
        return List.of();
    }

    @Override
    public Batch load(int[] indices, long[] positions, String device) {
        long[] rows = new long[indices.length];
        for (int j = 0; j < rows.length; j++) {
            rows[j] = byPosition ? positions[j] : indices[j];
        }
        Tensor picked = index_select(latents, 0, torch.tensor(rows));
        Device target = new Device(device);
        Tensor labelTensor = null;
        if (labels != null) {
            long[] l = new long[rows.length];
            for (int j = 0; j < rows.length; j++) {
                l[j] = labels[(int) rows[j]];
            }
            labelTensor = torch.tensor(l).to(target, ScalarType.Long);
        }
        return new Batch(picked.to(target, ScalarType.Float), labelTensor);
    }

    private static Tensor owned(Tensor t) {
        t.retainReference();
        PointerScope inner = PointerScope.getInnerScope();
        if (inner != null) {
            inner.detach(t);
        }
        return t;
    }
}
