package dev.vae4j.discriminators;

/**
 * A network that can state its own multiply-accumulate count analytically, from its layer configuration and an input
 * size, without running it.
 */
public interface MacCountable {
    /**
     * Multiply-accumulates of one forward pass on one image of {@code height} x {@code width} pixels: every convolution
     * (out * in/groups * kh * kw per output pixel), linear layer (in * out per token) and attention matrix product;
     * biases, norms, activations and pooling are not counted (the convention of the open-LiteVAE table, whose "FLOPs"
     * are these MACs).
     *
     * @throws IllegalArgumentException if the network cannot take an input of that size
     */
    long macs(long height, long width);
}
