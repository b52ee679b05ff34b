package dev.vae4j.diffusion.train;

import dev.vae4j.diffusion.Denoiser;
import org.bytedeco.pytorch.Tensor;

/**
 * A denoiser whose predictions drop the labels of the samples marked in {@code dropped} to the null class
 * ({@link Denoiser#predictDroppingLabels}): class dropout applied by the trainer, seen by the objective as a plain
 * {@link Denoiser}.
 */
final class DroppedLabels implements Denoiser {
    private final Denoiser denoiser;
    private final Tensor dropped;

    /** @param dropped (N) int64, 1 where the sample's label is dropped */
    DroppedLabels(Denoiser denoiser, Tensor dropped) {
        this.denoiser = denoiser;
        this.dropped = dropped;
    }

    @Override
    public Tensor predict(Tensor latents, Tensor timesteps, Tensor labels) {
        return denoiser.predictDroppingLabels(latents, timesteps, labels, dropped);
    }

    @Override
    public int latentChannels() {
        return denoiser.latentChannels();
    }

    @Override
    public int predictionChannels() {
        return denoiser.predictionChannels();
    }

    @Override
    public int numClasses() {
        return denoiser.numClasses();
    }

    @Override
    public boolean hasUnconditionalPrediction() {
        return denoiser.hasUnconditionalPrediction();
    }
}
