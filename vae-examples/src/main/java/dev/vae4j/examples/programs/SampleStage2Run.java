package dev.vae4j.examples.programs;

import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.tensor.InferenceScope;
import dev.vae4j.diffusion.sampling.NoiseSource;
import dev.vae4j.diffusion.sampling.Sampler;
import dev.vae4j.diffusion.train.Stage2Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Example: samples images of one class from a stage-2 run folder ({@code vae train --recipe dit-synthetic --latents
 * CACHE --out RUN_DIR}) as {@code vae sample --model RUN_DIR --vae VAE_DIR} does: {@link Stage2Run} loads the run's EMA
 * denoiser and its recorded latent space, the recipe's own sampler denoises seeded noise with classifier-free guidance,
 * and the autoencoder that encoded the run's cache decodes the latents once the run's normalisation is undone.
 *
 * <pre>SampleStage2Run RUN_DIR VAE_DIR OUT_DIR CLASS COUNT STEPS GUIDANCE</pre>
 *
 * <p>GUIDANCE 1 samples without guidance (a run trained without class dropout has no unconditional prediction).
 */
public final class SampleStage2Run {
    private SampleStage2Run() {}

    /** Runs the example; see the class comment for the arguments. */
    public static void main(String[] args) throws IOException {
        if (args.length < 7) {
            throw new IllegalArgumentException(
                    "usage: SampleStage2Run RUN_DIR VAE_DIR OUT_DIR CLASS COUNT STEPS GUIDANCE");
        }
        Stage2Run run = Stage2Run.load(Path.of(args[0]));
        TrainableAutoencoder vae = Autoencoders.load(Path.of(args[1]));
        vae.module().train(false);
        Path out = Files.createDirectories(Path.of(args[2]));
        long[] labels = new long[Integer.parseInt(args[4])];
        Arrays.fill(labels, Long.parseLong(args[3]));
        long[] shape = run.latentSpace().shape(); // (C, s, s)
        try (InferenceScope scope = new InferenceScope()) {
            Generator generator = torch.createCPUGenerator(0);
            Tensor noise = torch.randn(
                    new long[] {labels.length, shape[0], shape[1], shape[2]},
                    new GeneratorOptional(generator),
                    new TensorOptions(torch.ScalarType.Float));
            Sampler sampler = run.sampler(null, Integer.parseInt(args[5]), 0.0, NoiseSource.of(generator));
            Tensor latents = run.generateLatents(labels, sampler, Double.parseDouble(args[6]), noise);
            Tensor images = vae.decode(run.latentSpace().toAutoencoderSpace(latents)); // (N, 3, H, W) in [-1, 1]
            for (int i = 0; i < labels.length; i++) {
                ImageTensors.writePng(images.get(i), out.resolve(labels[i] + "-" + i + ".png"));
            }
            System.out.printf(
                    "sampled %d images of class %d into %s (%s)%n", labels.length, labels[0], out, run.weights());
        }
    }
}
