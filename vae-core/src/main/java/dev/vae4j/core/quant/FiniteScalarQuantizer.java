package dev.vae4j.core.quant;

import static org.bytedeco.pytorch.global.torch.round;
import static org.bytedeco.pytorch.global.torch.tanh;
import static org.bytedeco.pytorch.global.torch.tensor;

import dev.vae4j.core.tensor.Shapes;
import java.util.Arrays;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Finite scalar quantization (Mentzer et al. 2023, "Finite Scalar Quantization: VQ-VAE Made Simple"): channel i of the
 * latents is bounded to L_i levels with tanh, rounded (straight-through) and scaled to [-1, 1]; the implicit codebook
 * is the product of the per-channel grids, prod(L_i) codes, and a code's index is its mixed-radix number (channel 0 the
 * least significant digit). No parameters, no loss.
 *
 * <p>The bound is {@code tanh(z + atanh(offset / half_l)) * half_l - offset} with {@code half_l = (L - 1)(1 - eps) / 2}
 * and {@code offset} 0.5 for even L, else 0, so that z = 0 maps to 0 (the paper's published code writes {@code tan} for
 * {@code atanh}; vector-quantize-pytorch uses {@code atanh}). Quantized values: {@code round(bound(z)) / (L div 2)}, on
 * the grid {@code (k - L div 2) / (L div 2)}, k = 0..L-1.
 */
public final class FiniteScalarQuantizer extends Module implements Quantizer {
    /** The paper's bound epsilon. */
    public static final double EPSILON = 1e-3;

    /** The most levels a channel may have. */
    public static final long MAX_LEVELS = 999;

    private final long[] levels;
    private final long[] basis;
    private final long codebookSize;

    /**
     * @param levels L_i per latent channel, each in [2, {@link #MAX_LEVELS}] (beyond, the epsilon of the bound would
     *     reach the next level), with a product that fits a signed 63-bit index
     * @throws IllegalArgumentException otherwise
     */
    public FiniteScalarQuantizer(long... levels) {
        if (levels.length == 0 || Arrays.stream(levels).anyMatch(l -> l < 2 || l > MAX_LEVELS)) {
            throw new IllegalArgumentException("FSQ levels " + Arrays.toString(levels)
                    + ": need at least one channel, each with 2 to " + MAX_LEVELS + " levels");
        }
        this.levels = levels.clone();
        this.basis = new long[levels.length];
        long size = 1;
        for (int i = 0; i < levels.length; i++) {
            basis[i] = size;
            try {
                size = Math.multiplyExact(size, levels[i]);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(
                        "FSQ levels " + Arrays.toString(levels) + ": the codebook size overflows a 63-bit index", e);
            }
        }
        this.codebookSize = size;
    }

    /** The levels L_i (a copy). */
    public long[] levels() {
        return levels.clone();
    }

    @Override
    public long channels() {
        return levels.length;
    }

    /** prod(L_i). */
    @Override
    public long indexRange() {
        return codebookSize;
    }

    /**
     * Quantizes latents (N, C, H, W), C = the number of levels: values on the grid, gradient that of {@code bound(z) /
     * (L div 2)} (rounding passed straight through), a zero loss and the mixed-radix indices (N, H, W).
     *
     * @throws IllegalArgumentException when the latents are not 4-D with C channels
     */
    @Override
    public Quantization quantize(Tensor latents) {
        checkLatents(latents, "latents");
        Tensor bounded = bound(latents);
        Tensor rounded = bounded.add(round(bounded).sub(bounded).detach());
        Tensor quantized = rounded.div(perChannel(halfWidths(), latents));
        return new Quantization(quantized, latents.new_zeros(new long[0]), codesToIndices(quantized), codebookSize);
    }

    /** tanh-bounds latents (N, C, H, W) into (-L/2, L/2) per channel (see the class comment), same shape. */
    public Tensor bound(Tensor latents) {
        checkLatents(latents, "latents");
        float[] halfL = new float[levels.length];
        float[] offset = new float[levels.length];
        float[] shift = new float[levels.length];
        for (int i = 0; i < levels.length; i++) {
            double half = (levels[i] - 1) * (1 + EPSILON) / 2;
            double off = levels[i] % 2 == 1 ? 0.0 : 0.5;
            halfL[i] = (float) half;
            offset[i] = (float) off;
            shift[i] = (float) atanh(off / half);
        }
        return tanh(latents.add(perChannel(shift, latents)))
                .mul(perChannel(halfL, latents))
                .sub(perChannel(offset, latents));
    }

    /**
     * The indices (N, H, W), int64, of codes (N, C, H, W) on the grid: sum_i (code_i * (L_i div 2) + L_i div 2) * (the
     * product of L_j over j &lt; i).
     */
    public Tensor codesToIndices(Tensor codes) {
        checkLatents(codes, "codes");
        Tensor digits = codes.mul(perChannel(halfWidths(), codes)).add(perChannel(halfWidths(), codes));
        return round(digits)
                .to(ScalarType.Long)
                .mul(perChannel(basis).to(codes.device(), ScalarType.Long))
                .sum(1);
    }

    /**
     * The codes (N, C, H, W) (float32) of indices (N, H, W) in [0, prod L_i).
     *
     * @throws IllegalArgumentException when the indices are not 3-D int64 in range
     */
    @Override
    public Tensor codes(Tensor indices) {
        Indices.check(indices, codebookSize, "FSQ");
        Tensor digits = indices.unsqueeze(1)
                .floor_divide(perChannel(basis).to(indices.device(), ScalarType.Long))
                .remainder(perChannel(levels).to(indices.device(), ScalarType.Long));
        Tensor half = perChannel(halfWidths(), digits.to(ScalarType.Float));
        return digits.to(ScalarType.Float).sub(half).div(half);
    }

    private float[] halfWidths() {
        float[] half = new float[levels.length];
        for (int i = 0; i < levels.length; i++) {
            half[i] = levels[i] / 2;
        }
        return half;
    }

    private void checkLatents(Tensor latents, String what) {
        if (latents.dim() != 4 || latents.size(1) != levels.length) {
            throw new IllegalArgumentException("FSQ with levels " + Arrays.toString(levels) + ": " + what
                    + " must be (N, " + levels.length + ", H, W), got " + Shapes.describe(latents));
        }
    }

    /** values as (1, C, 1, 1) in the dtype and device of {@code like}. */
    private static Tensor perChannel(float[] values, Tensor like) {
        return tensor(values).to(like.device(), like.scalar_type()).view(1, values.length, 1, 1);
    }

    /** int64 values as (1, C, 1, 1) on the CPU. */
    private static Tensor perChannel(long[] values) {
        return tensor(values).view(1, values.length, 1, 1);
    }

    private static double atanh(double x) {
        return 0.5 * Math.log((1 + x) / (1 - x));
    }
}
