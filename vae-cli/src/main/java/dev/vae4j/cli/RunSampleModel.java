package dev.vae4j.cli;

import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.sampling.NoiseSource;
import dev.vae4j.diffusion.sampling.Sampler;
import dev.vae4j.diffusion.sampling.SamplerKind;
import dev.vae4j.diffusion.train.Stage2LatentSpace;
import dev.vae4j.diffusion.train.Stage2Run;
import dev.vae4j.train.cache.ModelWeightsDigest;
import java.nio.file.Path;
import java.util.Locale;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * A stage-2 run folder sampled by {@code vae sample}: the run's denoiser ({@link Stage2Run}, EMA weights) and the
 * autoencoder {@code --vae} that decodes its samples once the run's latent normalisation is undone.
 */
final class RunSampleModel implements SampleModel {
    private final Stage2Run run;
    private final Autoencoder autoencoder;

    private RunSampleModel(Stage2Run run, Autoencoder autoencoder) {
        this.run = run;
        this.autoencoder = autoencoder;
    }

    /**
     * The run in {@code runDir} decoded by the model folder {@code vae}.
     *
     * @throws IllegalArgumentException in one line when the autoencoder's latent channels or downsampling factor differ
     *     from the run's latents, or its weights differ from those that encoded the run's cache (when recorded)
     */
    static RunSampleModel open(Path runDir, Path vae) {
        Stage2Run run = Stage2Run.load(runDir);
        Stage2LatentSpace space = run.latentSpace();
        TrainableAutoencoder autoencoder = Autoencoders.load(vae);
        autoencoder.module().eval();
        if (autoencoder.latentChannels() != space.channels()
                || autoencoder.downsamplingFactor() != space.downsamplingFactor()) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "--vae %s has %d latent channels and downsampling factor %d; stage-2 run %s denoises latents of"
                            + " %d channels from a factor-%d autoencoder",
                    vae,
                    autoencoder.latentChannels(),
                    autoencoder.downsamplingFactor(),
                    runDir,
                    space.channels(),
                    space.downsamplingFactor()));
        }
        ModelWeightsDigest.requireEncodedBy(
                space.modelWeights(), vae, "the cache of stage-2 run " + runDir, "--vae " + vae);
        return new RunSampleModel(run, autoencoder);
    }

    @Override
    public long[] latentShape() {
        return run.latentSpace().shape();
    }

    @Override
    public Sampler sampler(SamplerKind kind, int steps, double eta, NoiseSource noise) {
        return run.sampler(kind, steps, eta, noise);
    }

    @Override
    public Tensor generateLatents(long[] classLabels, Sampler sampler, double guidance, Tensor noise) {
        return run.generateLatents(classLabels, sampler, guidance, noise);
    }

    @Override
    public Tensor decode(Tensor latents) {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            return scope.keep(autoencoder.decode(run.latentSpace().toAutoencoderSpace(latents)));
        }
    }
}
