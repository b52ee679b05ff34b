package dev.vae4j.core.model;

import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * What the GAN training loop needs of a discriminator. Images are float (N, C, H, W) in [-1, 1]; logits are unbounded
 * real scores, larger meaning "real".
 */
public interface Discriminator {
    /** The main logits: (N, 1, h, w) for patch discriminators, (N, 1) for global ones. */
    Tensor logits(Tensor images);

    /**
     * Every head a GAN loss should be applied to (a UNet discriminator's global and per-pixel logits, a multi-scale
     * one's levels); by default just {@link #logits(Tensor)}.
     */
    default List<Tensor> heads(Tensor images) {
        return List.of(logits(images));
    }

    /** The trainable module behind this discriminator (parameters, train/eval mode, device moves). */
    Module module();
}
