package dev.vae4j.core.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/**
 * {@link FiniteScalarQuantizer} (no reference implementation is allowed in the fixture environment, so its math is
 * checked as properties and on a table worked out by hand): codes and indices are inverse bijections, indices stay in
 * range, quantized values lie on the level grid, rounding passes gradients straight through.
 */
class FiniteScalarQuantizerProperties {
    @Property(tries = 40)
    void indicesToCodesToIndicesIsTheIdentity(
            @ForAll @Size(min = 1, max = 5) List<@IntRange(min = 2, max = 9) Integer> levels,
            @ForAll @LongRange(min = 0, max = 1000) long seed) {
        FiniteScalarQuantizer fsq = new FiniteScalarQuantizer(toLongs(levels));
        try (TensorScope scope = new TensorScope()) {
            Tensor indices = torch.randint(
                    fsq.indexRange(),
                    new long[] {2, 3, 5},
                    new GeneratorOptional(torch.createCPUGenerator(seed)),
                    new TensorOptions(ScalarType.Long));
            Tensor codes = fsq.codes(indices);
            assertTrue(fsq.codesToIndices(codes).equal(indices));
            assertTrue(codes.abs().max().item_double() <= 1.0);
        }
    }

    @Property(tries = 40)
    void quantizedValuesLieOnTheGridAndIndicesInRange(
            @ForAll @Size(min = 1, max = 5) List<@IntRange(min = 2, max = 9) Integer> levels,
            @ForAll @DoubleRange(min = 0.1, max = 20) double scale,
            @ForAll @LongRange(min = 0, max = 1000) long seed) {
        long[] l = toLongs(levels);
        FiniteScalarQuantizer fsq = new FiniteScalarQuantizer(l);
        try (TensorScope scope = new TensorScope()) {
            Tensor z = torch.randn(
                            new long[] {2, l.length, 4, 3},
                            new GeneratorOptional(torch.createCPUGenerator(seed)),
                            new TensorOptions(ScalarType.Float))
                    .mul(new Scalar(scale));
            Quantization q = fsq.quantize(z);
            assertEquals(0.0, q.loss().item_double());
            long min = q.indices().min().item_long();
            long max = q.indices().max().item_long();
            assertTrue(min >= 0 && max < fsq.indexRange(), "indices span [" + min + ", " + max + "]");
            assertTrue(
                    Fixtures.maxAbsDiff(fsq.codes(q.indices()), q.quantized()) < 1e-6, "codes(indices) == quantized");
            for (int c = 0; c < l.length; c++) {
                long half = l[c] / 2;
                Tensor digits = q.quantized().select(1, c).mul(new Scalar(half)).add(new Scalar(half));
                assertTrue(digits.sub(digits.round()).abs().max().item_double() < 1e-6, "integer grid step");
                assertTrue(digits.min().item_double() >= 0 && digits.max().item_double() <= l[c] - 1, "in level range");
            }
        }
    }

    @Property(tries = 30)
    void roundingPassesTheGradientStraightThrough(
            @ForAll @Size(min = 1, max = 4) List<@IntRange(min = 2, max = 8) Integer> levels,
            @ForAll @LongRange(min = 0, max = 1000) long seed) {
        long[] l = toLongs(levels);
        FiniteScalarQuantizer fsq = new FiniteScalarQuantizer(l);
        try (TensorScope scope = new TensorScope()) {
            GeneratorOptional generator = new GeneratorOptional(torch.createCPUGenerator(seed));
            TensorOptions options = new TensorOptions(ScalarType.Float);
            Tensor probe = torch.randn(new long[] {1, l.length, 3, 3}, generator, options);
            Tensor z = torch.randn(new long[] {1, l.length, 3, 3}, generator, options)
                    .mul(new Scalar(2.0));
            Tensor x = z.clone().requires_grad_(true);
            fsq.quantize(x).quantized().mul(probe).sum().backward();
            Tensor y = z.clone().requires_grad_(true);
            float[] halves = new float[l.length];
            for (int c = 0; c < l.length; c++) {
                halves[c] = l[c] / 2;
            }
            fsq.bound(y)
                    .div(torch.tensor(halves).view(1, l.length, 1, 1))
                    .mul(probe)
                    .sum()
                    .backward();
            assertTrue(x.grad().sub(y.grad()).abs().max().item_double() < 1e-6);
        }
    }

    /** Levels (3, 4): 12 codes, basis (1, 3); grids {-1, 0, 1} and {-1, -0.5, 0, 0.5}. */
    @Test
    void handCheckedTable() {
        FiniteScalarQuantizer fsq = new FiniteScalarQuantizer(3, 4);
        assertEquals(12, fsq.indexRange());
        try (TensorScope scope = new TensorScope()) {
            Tensor indices = torch.tensor(0L, 1L, 5L, 7L, 11L).view(1, 1, 5);
            Tensor codes = fsq.codes(indices);
            float[] expected = {-1, 0, 1, 0, 1, -1, -1, -0.5f, 0, 0.5f};
            float[] actual = new float[10];
            codes.contiguous().data_ptr_float().get(actual);
            assertArrayEquals(expected, actual);
            // z = 0 -> code (0, 0) = index 1 + 2 * 3; z = +-10 -> the grid's ends, indices 11 and 0
            Tensor z = torch.tensor(0f, 10f, -10f, 0f, 10f, -10f).view(1, 2, 1, 3);
            Tensor q = fsq.quantize(z).quantized();
            float[] grid = new float[6];
            q.contiguous().data_ptr_float().get(grid);
            assertArrayEquals(new float[] {0, 1, -1, 0, 0.5f, -1}, grid);
            long[] found = new long[3];
            fsq.quantize(z).indices().contiguous().data_ptr_long().get(found);
            assertArrayEquals(new long[] {7, 11, 0}, found);
        }
    }

    @Test
    void badArgumentsAreRejectedByName() {
        assertThrows(IllegalArgumentException.class, () -> new FiniteScalarQuantizer(3, 1));
        assertThrows(IllegalArgumentException.class, FiniteScalarQuantizer::new);
        FiniteScalarQuantizer fsq = new FiniteScalarQuantizer(3, 4);
        try (TensorScope scope = new TensorScope()) {
            IllegalArgumentException wrongChannels =
                    assertThrows(IllegalArgumentException.class, () -> fsq.quantize(torch.zeros(1, 3, 2, 2)));
            assertTrue(wrongChannels.getMessage().contains("(N, 2, H, W)"), wrongChannels.getMessage());
            IllegalArgumentException outOfRange = assertThrows(
                    IllegalArgumentException.class,
                    () -> fsq.codes(torch.tensor(12L).view(1, 1, 1)));
            assertTrue(outOfRange.getMessage().contains("outside [0, 12)"), outOfRange.getMessage());
        }
    }

    private static long[] toLongs(List<Integer> levels) {
        return levels.stream().mapToLong(Integer::longValue).toArray();
    }
}
