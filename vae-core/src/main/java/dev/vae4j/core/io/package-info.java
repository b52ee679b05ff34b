/**
 * Weights and images in and out: bounds-checked safetensors, state dicts with load reports, diffusers and LDM key
 * mappings, images to (N, 3, H, W) tensors in [-1, 1] and back, and atomic file writes.
 */
package dev.vae4j.core.io;
