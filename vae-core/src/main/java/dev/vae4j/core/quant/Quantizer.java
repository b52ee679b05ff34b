package dev.vae4j.core.quant;

import org.bytedeco.pytorch.Tensor;

/**
 * A latent quantizer: continuous latents (N, C, H, W) to the nearest of a finite set of codes, each with an integer
 * index, with straight-through gradients. Implemented by {@link VectorQuantizer} and {@link FiniteScalarQuantizer}.
 */
public interface Quantizer {
    /**
     * Quantizes latents (N, C, H, W), C = {@link #channels()}: the quantized latents (same shape, gradients passed
     * straight through to the input), the quantizer's loss and the indices (N, H, W).
     */
    Quantization quantize(Tensor latents);

    /** The codes (N, C, H, W) of indices (N, H, W) in [0, {@link #indexRange()}), as {@link #quantize} returns them. */
    Tensor codes(Tensor indices);

    /** Latent channels C. */
    long channels();

    /** The number of distinct indices {@link #quantize} can return (the codebook size, after any remapping). */
    long indexRange();
}
