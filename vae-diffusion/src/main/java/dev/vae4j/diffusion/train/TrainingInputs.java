package dev.vae4j.diffusion.train;

import dev.vae4j.diffusion.Denoiser;
import dev.vae4j.diffusion.dit.DiT;
import java.util.Arrays;

/** The checks a {@link DenoiserTrainer} makes of its data and denoiser before any work starts. */
final class TrainingInputs {
    private TrainingInputs() {}

    /**
     * Checks that {@code source}'s latents fit {@code denoiser} (channels; for a DiT its square {@code sample_size}),
     * that a class-conditional denoiser gets labels in [0, numClasses), and that class dropout has a null class.
     *
     * @throws IllegalArgumentException naming the value and the limit
     */
    static void check(Denoiser denoiser, LatentSource source, double classDropout) {
        long[] shape = source.latentShape();
        if (shape[0] != denoiser.latentChannels()) {
            throw new IllegalArgumentException("the training latents have " + shape[0]
                    + " channels but the denoiser takes " + denoiser.latentChannels());
        }
        if (denoiser instanceof DiT dit) {
            int size = dit.config().sampleSize();
            if (shape[1] != size || shape[2] != size) {
                throw new IllegalArgumentException("the training latents are " + shape[1] + "x" + shape[2]
                        + " but the DiT's sample_size is " + size + "x" + size);
            }
        }
        int classes = denoiser.numClasses();
        long[] labels = source.labels();
        if (classes > 0) {
            if (labels == null) {
                throw new IllegalArgumentException("the denoiser is class-conditional (" + classes
                        + " classes) but the training latents have no labels (cache them with vae encode --labels)");
            }
            long max = Arrays.stream(labels).max().orElse(0);
            long min = Arrays.stream(labels).min().orElse(0);
            if (min < 0 || max >= classes) {
                throw new IllegalArgumentException("class id " + (min < 0 ? min : max) + " of the training latents is"
                        + " outside [0, " + classes + ") (the denoiser's classes)");
            }
            if (source.classNames().size() > classes) {
                throw new IllegalArgumentException("the training latents name "
                        + source.classNames().size() + " classes but the denoiser has " + classes);
            }
        }
        if (classDropout > 0 && !denoiser.dropsLabelsPerSample()) {
            throw new IllegalArgumentException("class dropout " + classDropout + " needs a denoiser with a null class"
                    + " for single samples (a DiT); this one has none: set class dropout to 0");
        }
    }
}
