package dev.vae4j.core.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.ConfigFormatException;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The options without a reference implementation (restarts, cosine codes), training/eval behaviour and bad input. */
class VectorQuantizerTest {
    private static Tensor randn(long seed, long... shape) {
        return torch.randn(
                shape, new GeneratorOptional(torch.createCPUGenerator(seed)), new TensorOptions(ScalarType.Float));
    }

    @Test
    void codesUnusedForTheLimitAreReseededFromTheBatch() {
        VectorQuantizer quantizer = new VectorQuantizer(
                VectorQuantizerConfig.builder(8, 2).restartAfterSteps(2).seed(3).build());
        quantizer.train(true);
        try (TensorScope scope = new TensorScope()) {
            Tensor point = torch.tensor(5f, -3f);
            Tensor batch =
                    point.view(1, 2, 1, 1).expand(new long[] {2, 2, 3, 3}).contiguous();
            for (int step = 0; step < 2; step++) {
                quantizer.quantize(batch);
            }
            long before = rowsEqualTo(quantizer.codebook(), point);
            assertEquals(0, before, "no code is at the batch's point before a restart");
            quantizer.quantize(batch);
            assertTrue(rowsEqualTo(quantizer.codebook(), point) >= 7, "the 7 idle codes moved to the batch's latents");
        }
    }

    @Test
    void restartsDrawFromTheSeededGeneratorAndNotInEvalMode() {
        try (TensorScope scope = new TensorScope()) {
            Tensor batch = randn(1, 2, 2, 3, 3).mul(new Scalar(0.01)).add(new Scalar(4.0));
            Tensor[] codebooks = new Tensor[2];
            for (int run = 0; run < 2; run++) {
                VectorQuantizer quantizer = new VectorQuantizer(VectorQuantizerConfig.builder(8, 2)
                        .restartAfterSteps(1)
                        .seed(9)
                        .build());
                quantizer.train(true);
                quantizer.quantize(batch);
                quantizer.quantize(batch);
                codebooks[run] = quantizer.codebook().detach().clone();
            }
            assertTrue(codebooks[0].equal(codebooks[1]), "same seed, same restarts");
            VectorQuantizer frozen = new VectorQuantizer(VectorQuantizerConfig.builder(8, 2)
                    .restartAfterSteps(1)
                    .seed(9)
                    .build());
            frozen.eval();
            Tensor initial = frozen.codebook().detach().clone();
            frozen.quantize(batch);
            frozen.quantize(batch);
            assertTrue(initial.equal(frozen.codebook()), "eval mode restarts nothing");
        }
    }

    @Test
    void emaStateMovesOnlyInTrainingMode() {
        VectorQuantizer quantizer = new VectorQuantizer(VectorQuantizerConfig.builder(8, 3)
                .ema(new EmaUpdate(0.9, EmaUpdate.DEFAULT_EPSILON))
                .build());
        try (TensorScope scope = new TensorScope()) {
            assertEquals(
                    List.of("embedding.weight", "_ema_cluster_size", "_ema_w"),
                    List.copyOf(StateDict.of(quantizer).keySet()));
            assertFalse(quantizer.codebook().requires_grad(), "EMA codes take no gradient");
            Tensor batch = randn(2, 2, 3, 4, 4);
            quantizer.eval();
            Tensor initial = quantizer.codebook().detach().clone();
            quantizer.quantize(batch);
            assertTrue(initial.equal(quantizer.codebook()));
            quantizer.train(true);
            quantizer.quantize(batch);
            assertFalse(initial.equal(quantizer.codebook()));
        }
    }

    @Test
    void cosineCodesAreUnitVectorsOfGreatestCosineSimilarity() {
        VectorQuantizer quantizer = new VectorQuantizer(
                VectorQuantizerConfig.builder(16, 4).cosine(true).seed(5).build());
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            Tensor z = randn(4, 2, 4, 3, 3);
            Quantization q = quantizer.quantize(z);
            Tensor norms = q.quantized().pow(new Scalar(2.0)).sum(1).sqrt();
            assertTrue(norms.sub(new Scalar(1.0)).abs().max().item_double() < 1e-5);
            Tensor flat = z.permute(0, 2, 3, 1).reshape(-1, 4);
            Tensor codes = quantizer.codebook();
            Tensor cosine = flat.matmul(codes.t())
                    .div(normsOf(flat).unsqueeze(1))
                    .div(normsOf(codes).unsqueeze(0));
            Tensor best = cosine.argmax(new LongOptional(1), false);
            assertTrue(best.equal(q.indices().reshape(-1)));
            assertTrue(Fixtures.maxAbsDiff(quantizer.codes(q.indices()), q.quantized()) < 1e-6);
        }
    }

    private static Tensor normsOf(Tensor rows) {
        return rows.pow(new Scalar(2.0)).sum(1).sqrt();
    }

    private static long rowsEqualTo(Tensor codebook, Tensor point) {
        return codebook.detach()
                .sub(point.view(1, -1))
                .abs()
                .amax(new long[] {1}, false)
                .lt(new Scalar(1e-6))
                .sum()
                .item_long();
    }

    @Test
    void trainingStepsInScopesLeaveNoNativeObjectsBehind() {
        VectorQuantizer quantizer = new VectorQuantizer(VectorQuantizerConfig.builder(16, 4)
                .ema(new EmaUpdate(0.9, EmaUpdate.DEFAULT_EPSILON))
                .restartAfterSteps(2)
                .remap(new IndexRemap(new long[] {0, 3, 5, 9}, UnknownIndex.random()))
                .build());
        quantizer.train(true);
        long[] live = new long[2];
        for (int step = 0; step < 40; step++) {
            try (TensorScope scope = new TensorScope()) {
                Tensor z = randn(step, 2, 4, 3, 3).requires_grad_(true);
                Quantization q = quantizer.quantize(z);
                q.quantized().sum().add(q.loss()).backward();
                q.usage();
            }
            if (step == 9) {
                live[0] = Pointer.totalCount();
            }
        }
        live[1] = Pointer.totalCount();
        assertTrue(live[0] > 0, "JavaCPP tracks the quantizer's own native objects");
        assertEquals(live[0], live[1], "native objects alive after step 10 and after step 40");
    }

    @Test
    void remapFileIsReadAsTamingWritesIt() {
        IndexRemap remap =
                IndexRemap.fromNpy(Fixtures.dir("quantizers/taming_remap_extra/used.npy"), UnknownIndex.extra());
        assertArrayEquals(new long[] {0, 2, 3, 5, 7, 11, 13}, remap.used());
        assertEquals(8, remap.indexRange());
        assertEquals(new IndexRemap(new long[] {0, 2, 3, 5, 7, 11, 13}, UnknownIndex.extra()), remap);
    }

    @Test
    void badInputIsRejectedByName(@TempDir Path dir) throws IOException {
        VectorQuantizer quantizer =
                new VectorQuantizer(VectorQuantizerConfig.builder(16, 4).build());
        try (TensorScope scope = new TensorScope()) {
            IllegalArgumentException channels =
                    assertThrows(IllegalArgumentException.class, () -> quantizer.quantize(torch.zeros(1, 3, 2, 2)));
            assertTrue(channels.getMessage().contains("(N, 4, H, W)"), channels.getMessage());
            IllegalArgumentException range = assertThrows(
                    IllegalArgumentException.class,
                    () -> quantizer.codes(torch.tensor(16L).view(1, 1, 1)));
            assertTrue(range.getMessage().contains("outside [0, 16)"), range.getMessage());
            assertThrows(IllegalArgumentException.class, () -> quantizer.codes(torch.zeros(1, 1, 1)));
        }
        IllegalArgumentException code = assertThrows(
                IllegalArgumentException.class,
                () -> VectorQuantizerConfig.builder(4, 2)
                        .remap(new IndexRemap(new long[] {1, 4}, UnknownIndex.random()))
                        .build());
        assertTrue(code.getMessage().contains("remapped code 4 outside the codebook [0, 4)"), code.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new IndexRemap(new long[] {1, 2}, UnknownIndex.fixed(2)));
        assertThrows(IllegalArgumentException.class, () -> UnknownIndex.parse("sometimes"));
        assertEquals(UnknownIndex.fixed(3), UnknownIndex.parse("3"));
        assertThrows(IllegalArgumentException.class, () -> new EmaUpdate(1.0, 1e-5));
        assertThrows(
                IllegalArgumentException.class,
                () -> VectorQuantizerConfig.builder(0, 4).build());
        Path notNpy = Files.writeString(dir.resolve("used.npy"), "not numpy");
        ConfigFormatException format =
                assertThrows(ConfigFormatException.class, () -> IndexRemap.fromNpy(notNpy, UnknownIndex.random()));
        assertTrue(format.getMessage().contains("not a .npy file"), format.getMessage());
    }
}
