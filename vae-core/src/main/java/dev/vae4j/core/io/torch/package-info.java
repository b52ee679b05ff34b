/**
 * PyTorch checkpoints ({@code .ckpt}, {@code .pth}, {@code .pt}) read by an allow-listed unpickler that runs no code
 * from the file, and converted to state dicts.
 */
package dev.vae4j.core.io.torch;
