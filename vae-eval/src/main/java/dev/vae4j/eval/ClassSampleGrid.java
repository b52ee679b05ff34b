package dev.vae4j.eval;

import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.randn;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.Denoiser;
import dev.vae4j.diffusion.sampling.Sampler;
import dev.vae4j.diffusion.sampling.SamplingLoop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A PNG grid of class-conditional samples: row c holds {@code perRow} samples of class c (every class of the denoiser),
 * generated from noise seeded by (seed, sample index) as {@link GenerationEvaluator} seeds it, mapped to the latent
 * cache's space, de-normalised with the cache's scaling and decoded by the autoencoder (clamped to [-1, 1]).
 *
 * @param autoencoder the autoencoder whose latents the denoiser learned (on {@code device})
 * @param normalizer the scaling of the cache's latents
 * @param toCacheSpace maps generated latents to the cache's space (the identity for {@code vae_scaling} recipes)
 * @param device where the denoiser and autoencoder run
 */
public record ClassSampleGrid(
        Autoencoder autoencoder, LatentNormalizer normalizer, UnaryOperator<Tensor> toCacheSpace, Device device) {
    /** Checks the parts are given. */
    public ClassSampleGrid {
        Objects.requireNonNull(autoencoder, "autoencoder");
        Objects.requireNonNull(normalizer, "normalizer");
        Objects.requireNonNull(toCacheSpace, "toCacheSpace");
        Objects.requireNonNull(device, "device");
    }

    /**
     * Generates and writes the grid to {@code file} (its folder is created).
     *
     * @param latentShape the (C, h, w) of one latent
     * @param perRow samples per class (at least 1)
     * @return {@code file}
     * @throws IllegalArgumentException if the denoiser is unconditional or perRow is below 1
     * @throws FileAccessException if the file cannot be written
     */
    public Path write(Denoiser denoiser, Sampler sampler, long[] latentShape, int perRow, long seed, Path file) {
        int classes = denoiser.numClasses();
        if (classes < 1 || perRow < 1) {
            throw new IllegalArgumentException("a class sample grid needs a class-conditional denoiser and at least 1"
                    + " sample per class, got " + classes + " classes, " + perRow + " per class");
        }
        try (TensorScope scope = new TensorScope();
                InferenceMode guard = new InferenceMode()) {
            int count = classes * perRow;
            long[] labels = new long[count];
            Tensor[] noise = new Tensor[count];
            for (int j = 0; j < count; j++) {
                labels[j] = j / perRow;
                noise[j] = randn(
                        new long[] {1, latentShape[0], latentShape[1], latentShape[2]},
                        new GeneratorOptional(createCPUGenerator(seed * 0x9E3779B97F4A7C15L + j)),
                        new TensorOptions(ScalarType.Float));
            }
            Tensor latents = new SamplingLoop(denoiser, sampler)
                    .run(
                            torch.cat(new org.bytedeco.pytorch.TensorVector(noise), 0)
                                    .to(device, ScalarType.Float),
                            torch.tensor(labels).to(device, ScalarType.Long));
            Tensor z = normalizer
                    .denormalize(toCacheSpace.apply(latents.to(ScalarType.Float).cpu()))
                    .to(device, ScalarType.Float);
            Tensor images = autoencoder
                    .decode(z)
                    .to(ScalarType.Float)
                    .cpu()
                    .clamp(new ScalarOptional(new Scalar(-1.0)), new ScalarOptional(new Scalar(1.0)));
            long h = images.size(2);
            long w = images.size(3);
            Tensor grid =
                    images.view(classes, perRow, 3, h, w).permute(2, 0, 3, 1, 4).reshape(3, classes * h, perRow * w);
            Files.createDirectories(file.toAbsolutePath().getParent());
            ImageTensors.writePng(grid, file);
        } catch (IOException e) {
            throw new FileAccessException("cannot create the folder of " + file + ": " + e.getMessage(), e);
        }
        return file;
    }
}
