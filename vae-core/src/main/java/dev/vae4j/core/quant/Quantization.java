package dev.vae4j.core.quant;

import org.bytedeco.pytorch.Tensor;

/**
 * What {@link Quantizer#quantize} returns.
 *
 * @param quantized the quantized latents (N, C, H, W); the forward value is the codes, the gradient that of the input
 *     (straight-through estimator)
 * @param loss the quantizer's scalar loss (codebook plus commitment terms; zero for quantizers without one)
 * @param indices the code indices (N, H, W), int64, in [0, indexRange)
 * @param indexRange the number of distinct indices the quantizer can return
 */
public record Quantization(Tensor quantized, Tensor loss, Tensor indices, long indexRange) {
    /** The usage of the index range by this batch (one device-to-host copy of the index counts). */
    public CodebookUsage usage() {
        return CodebookUsage.of(indices, indexRange);
    }
}
