/**
 * Native-memory scopes ({@link dev.vae4j.core.tensor.TensorScope}, {@link dev.vae4j.core.tensor.InferenceScope}),
 * precision and autocast, memory formats, CPU threads, CUDA memory and non-finite checks over libtorch tensors.
 */
package dev.vae4j.core.tensor;
