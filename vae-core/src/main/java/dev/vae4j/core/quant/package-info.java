/**
 * Quantizers of discrete-latent autoencoders: {@link dev.vae4j.core.quant.VectorQuantizer} (taming-transformers'
 * {@code VectorQuantizer2} with pytorch-diffusion's EMA codebook updates, cosine codes and dead-code restarts) and
 * {@link dev.vae4j.core.quant.FiniteScalarQuantizer} (FSQ), both behind {@link dev.vae4j.core.quant.Quantizer}, with
 * codebook usage and perplexity ({@link dev.vae4j.core.quant.CodebookUsage}).
 */
package dev.vae4j.core.quant;
