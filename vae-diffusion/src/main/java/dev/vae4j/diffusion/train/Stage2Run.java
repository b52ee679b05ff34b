package dev.vae4j.diffusion.train;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.diffusion.sampling.GuidedSampling;
import dev.vae4j.diffusion.sampling.NoiseSource;
import dev.vae4j.diffusion.sampling.Sampler;
import dev.vae4j.diffusion.sampling.SamplerKind;
import dev.vae4j.train.CheckpointStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * A stage-2 run folder ({@link Stage2Session}) loaded for sampling: its recipe ({@code recipe.yaml}), its
 * {@link Stage2LatentSpace} and its denoiser with the newest checkpoint's weights, the EMA's when the recipe keeps an
 * EMA (what the run's online evaluation samples with), the live ones otherwise. Not thread-safe.
 *
 * @param recipe the run's recipe
 * @param latentSpace the latents the run trained on
 * @param network the denoiser, in eval mode, on the CPU
 * @param weights the weights file loaded
 */
public record Stage2Run(Stage2Recipe recipe, Stage2LatentSpace latentSpace, Stage2Network network, Path weights) {
    /** Checks the parts. */
    public Stage2Run {
        Objects.requireNonNull(recipe, "recipe");
        Objects.requireNonNull(latentSpace, "latentSpace");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(weights, "weights");
    }

    /**
     * Loads the run in {@code runDir}.
     *
     * @throws IllegalArgumentException when {@code runDir} holds no stage-2 {@code recipe.yaml}
     * @throws FileAccessException naming what is missing: {@code latent-space.json}, a checkpoint or its weights file
     */
    public static Stage2Run load(Path runDir) {
        if (!Stage2Session.isRun(runDir)) {
            throw new IllegalArgumentException(
                    runDir + " is not a stage-2 run folder: it has no stage-2 " + Stage2Session.RECIPE_FILE);
        }
        Stage2Recipe recipe =
                Stage2Recipe.load(runDir.resolve(Stage2Session.RECIPE_FILE).toString());
        Stage2LatentSpace space = Stage2LatentSpace.read(runDir);
        Path checkpoint = CheckpointStore.latest(runDir)
                .orElseThrow(() -> new FileAccessException(
                        "stage-2 run " + runDir + " has no checkpoint (checkpoints/step-*) to sample from",
                        new NoSuchFileException(runDir.resolve("checkpoints").toString())));
        Path weights = checkpoint.resolve(
                recipe.train().emaDecay() > 0 ? "ema.safetensors" : DenoiserTrainer.CHECKPOINT_NAME + ".safetensors");
        if (!Files.isRegularFile(weights)) {
            throw new FileAccessException(
                    "stage-2 checkpoint " + checkpoint + " has no " + weights.getFileName(),
                    new NoSuchFileException(weights.toString()));
        }
        Stage2Network network = Stage2Network.create(recipe, space.shape(), space.classes());
        try (SafetensorsReader reader = SafetensorsReader.open(weights)) {
            StateDict.load(network.module(), TensorSource.of(reader), true, weights.toString());
        }
        network.module().train(false);
        return new Stage2Run(recipe, space, network, weights);
    }

    /**
     * A sampler of family {@code kind} (null: the recipe's own) of {@code steps} steps for the run's objective (see
     * {@link Stage2Samplers#forObjective(Stage2Recipe.ObjectiveSpec, SamplerKind, int, double, NoiseSource)}).
     */
    public Sampler sampler(SamplerKind kind, int steps, double eta, NoiseSource noise) {
        return Stage2Samplers.forObjective(recipe.objective(), kind, steps, eta, noise);
    }

    /**
     * The final latents (B, C, s, s) float32, in the run's normalised space, sampled from {@code noise} (B, C, s, s)
     * for {@code classLabels} with {@code sampler} and classifier-free guidance {@code guidance} (1: none).
     *
     * @throws IllegalArgumentException as {@link GuidedSampling#run} does
     */
    public Tensor generateLatents(long[] classLabels, Sampler sampler, double guidance, Tensor noise) {
        return GuidedSampling.run(network.denoiser(), sampler, guidance, classLabels, noise);
    }
}
