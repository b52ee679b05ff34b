package dev.vae4j.diffusion.train;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The training data of a {@link DenoiserTrainer}: a finite set of samples, each the normalised latents (C, h, w) a
 * denoiser trains on, with its class label when the set has labels. A sample is a function of its index and of its
 * global data-stream position alone (posterior noise, augmentation), so resumed and data-parallel runs see the same
 * latents as an uninterrupted single process.
 */
public interface LatentSource {
    /** Number of samples (one epoch). */
    int size();

    /** The shape (C, h, w) of every sample's latents. */
    long[] latentShape();

    /** The class label of every sample in index order, or null when the samples have no labels. */
    long[] labels();

    /** The class names (label i names class i); empty when unnamed. */
    List<String> classNames();

    /**
     * Loads samples {@code indices}, visited at global data-stream positions {@code positions}.
     *
     * @return latents (B, C, h, w) float32 and labels (B) int64 (null without labels), on {@code device}
     */
    Batch load(int[] indices, long[] positions, String device);

    /**
     * A batch of training latents.
     *
     * @param latents (B, C, h, w) float32, normalised
     * @param labels (B) int64 class labels, or null
     */
    record Batch(Tensor latents, Tensor labels) {}
}
