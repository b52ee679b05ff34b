package dev.vae4j.diffusion.dit;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.bytedeco.pytorch.global.torch.tensor;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;

/**
 * Invariants of {@link DiT} in eval mode: samples do not see each other (a batch's prediction is the concatenation of
 * each sample's), and null labels are the null class row.
 */
class DiTProperties {
    private static final DiT MODEL = new DiT(
            DiTConfig.builder(2, 8, 2).size(8, 2).classes(5).learnedSigma().build());

    @Property(tries = 15)
    boolean batchPredictionIsThePerSamplePredictions(
            @ForAll @IntRange(min = 1, max = 4) int batch,
            @ForAll @IntRange(min = 2, max = 6) int halfSide,
            @ForAll @LongRange(min = 0, max = 1_000_000) long seed) {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            GeneratorOptional generator = new GeneratorOptional(createCPUGenerator(seed));
            Tensor latents = randn(new long[] {batch, 4, 2L * halfSide, 2L * halfSide}, generator, new TensorOptions());
            Tensor t = randn(new long[] {batch}, generator, new TensorOptions())
                    .abs()
                    .mul(new Scalar(300));
            long[] labels = new long[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = Math.floorMod(seed + 3L * i, 5);
            }
            Tensor whole = MODEL.predict(latents, t, tensor(labels));
            TensorVector parts = new TensorVector();
            for (int i = 0; i < batch; i++) {
                parts.push_back(
                        MODEL.predict(latents.narrow(0, i, 1), t.narrow(0, i, 1), tensor(new long[] {labels[i]})));
            }
            return Fixtures.maxAbsDiff(whole, cat(parts)) < 1e-5;
        }
    }

    @Property(tries = 10)
    boolean nullLabelsAreTheNullClassRow(@ForAll @LongRange(min = 0, max = 1_000_000) long seed) {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            GeneratorOptional generator = new GeneratorOptional(createCPUGenerator(seed));
            Tensor latents = randn(new long[] {2, 4, 8, 8}, generator, new TensorOptions());
            Tensor t = tensor(new float[] {seed % 1000, 7f});
            Tensor forcedAll = tensor(new long[] {1, 1});
            Tensor unconditional = MODEL.predict(latents, t, null);
            Tensor forced = MODEL.forward(latents, t, tensor(new long[] {0, 4}), forcedAll);
            return Fixtures.maxAbsDiff(unconditional, forced) == 0.0;
        }
    }
}
