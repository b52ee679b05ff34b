package dev.vae4j.cli;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.diffusion.pipeline.DiTPipeline;
import dev.vae4j.diffusion.sampling.NoiseSource;
import dev.vae4j.diffusion.sampling.Sampler;
import dev.vae4j.diffusion.sampling.SamplerKind;
import dev.vae4j.diffusion.train.Stage2Session;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;

/**
 * What {@code vae sample --model} samples from: a diffusers {@code DiTPipeline} folder (decoded by its own {@code vae/}
 * or by {@code --vae}) or a stage-2 run folder ({@link RunSampleModel}, decoded by {@code --vae}).
 */
interface SampleModel {
    /** The shape (C, s, s) of one latent the denoiser samples. */
    long[] latentShape();

    /** A sampler of family {@code kind} (null: the model's own) of {@code steps} steps; eta is DDIM's. */
    Sampler sampler(SamplerKind kind, int steps, double eta, NoiseSource noise);

    /** The final latents (B, C, s, s) float32 sampled from {@code noise} (B, C, s, s) for the labels. */
    Tensor generateLatents(long[] classLabels, Sampler sampler, double guidance, Tensor noise);

    /** Decoded images (B, 3, H, W) float32 in about [-1, 1] of final latents (B, C, s, s). */
    Tensor decode(Tensor latents);

    /**
     * The model in {@code folder}, decoded by the model folder {@code vae} (null: a pipeline's own {@code vae/}).
     *
     * @throws IllegalArgumentException in one line when the folder is neither kind, or a run folder comes without
     *     {@code vae}
     */
    static SampleModel open(Path folder, Path vae) {
        if (Files.isRegularFile(folder.resolve(DiTPipeline.INDEX_FILE))) {
            DiTPipeline pipeline = DiTPipeline.load(folder);
            return new PipelineSampleModel(
                    vae == null
                            ? pipeline
                            : new DiTPipeline(
                                    pipeline.transformer(),
                                    AutoencoderKL.fromPretrained(vae),
                                    pipeline.scheduler(),
                                    pipeline.id2label()));
        }
        if (Stage2Session.isRun(folder)) {
            if (vae == null) {
                throw new IllegalArgumentException("--model " + folder + " is a stage-2 run folder: give --vae M, the"
                        + " autoencoder model folder that decodes its latents (the one that encoded its cache)");
            }
            return RunSampleModel.open(folder, vae);
        }
        throw new IllegalArgumentException("--model " + folder + " is neither a DiTPipeline folder (no "
                + DiTPipeline.INDEX_FILE + ") nor a stage-2 run folder (no stage-2 " + Stage2Session.RECIPE_FILE
                + ")");
    }

    /** A diffusers {@code DiTPipeline} folder. */
    record PipelineSampleModel(DiTPipeline pipeline) implements SampleModel {
        @Override
        public long[] latentShape() {
            long size = pipeline.latentSize();
            return new long[] {pipeline.transformer().latentChannels(), size, size};
        }

        @Override
        public Sampler sampler(SamplerKind kind, int steps, double eta, NoiseSource noise) {
            return pipeline.scheduler().sampler(kind, steps, eta, noise);
        }

        @Override
        public Tensor generateLatents(long[] classLabels, Sampler sampler, double guidance, Tensor noise) {
            return pipeline.generateLatents(classLabels, sampler, guidance, noise);
        }

        @Override
        public Tensor decode(Tensor latents) {
            return pipeline.decode(latents);
        }
    }
}
