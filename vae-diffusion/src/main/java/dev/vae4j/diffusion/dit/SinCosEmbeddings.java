package dev.vae4j.diffusion.dit;

import static org.bytedeco.pytorch.global.torch.arange;
import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.outer;
import static org.bytedeco.pytorch.global.torch.pow;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The fixed sinusoidal features of DiT, computed with the same operations, precisions and order as diffusers'
 * {@code get_timestep_embedding} and {@code get_2d_sincos_pos_embed}.
 */
final class SinCosEmbeddings {
    private static final double MAX_PERIOD = 10000.0;

    private SinCosEmbeddings() {}

    /**
     * diffusers' {@code Timesteps(num_channels=dim, flip_sin_to_cos=True, downscale_freq_shift=1)}: timesteps (N) ->
     * (N, dim) float32 {@code [cos(t f_k), sin(t f_k)]} with {@code f_k = exp(-ln(10000) k / (dim/2 - 1))}; dim even.
     */
    static Tensor timesteps(Tensor timesteps, int dim) {
        int half = dim / 2;
        Tensor exponent = arange(new Scalar(0), new Scalar(half), new TensorOptions(ScalarType.Float))
                .to(timesteps.device(), ScalarType.Float)
                .mul(new Scalar(-Math.log(MAX_PERIOD)))
                .div(new Scalar(half - 1));
        Tensor angles =
                timesteps.unsqueeze(1).to(ScalarType.Float).mul(exponent.exp().unsqueeze(0));
        return cat(new TensorVector(angles.cos(), angles.sin()), -1);
    }

    /**
     * diffusers' {@code get_2d_sincos_pos_embed(embedDim, grid, base_size=baseSize, interpolation_scale=1)} as
     * {@code PatchEmbed} stores it: (1, grid * grid, embedDim) float32, token {@code i * grid + j} (patch row i, column
     * j) holding the column position's features in the first half of the channels and the row position's in the second,
     * positions scaled by {@code baseSize / grid}. Computed in float64 and rounded, as diffusers does.
     */
    static Tensor positions(int embedDim, int grid, int baseSize) {
        Tensor coordinates =
                arange(new Scalar(grid), new TensorOptions(ScalarType.Float)).div(new Scalar((double) grid / baseSize));
        Tensor columns = coordinates.repeat(grid); // j of token i * grid + j
        Tensor rows = coordinates.repeat_interleave(grid); // i of token i * grid + j
        Tensor table = cat(new TensorVector(axis(embedDim / 2, columns), axis(embedDim / 2, rows)), 1);
        return table.to(ScalarType.Float).unsqueeze(0);
    }

    /** diffusers' {@code get_1d_sincos_pos_embed_from_grid}: positions (M) -> (M, dim) float64 [sin, cos]. */
    private static Tensor axis(int dim, Tensor positions) {
        Tensor omega = arange(new Scalar(dim / 2), new TensorOptions(ScalarType.Double))
                .div(new Scalar(dim / 2.0));
        omega = pow(new Scalar(MAX_PERIOD), omega).reciprocal();
        Tensor angles = outer(positions.to(ScalarType.Double), omega);
        return cat(new TensorVector(angles.sin(), angles.cos()), 1);
    }
}
