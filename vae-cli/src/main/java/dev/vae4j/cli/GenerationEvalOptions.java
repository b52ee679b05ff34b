package dev.vae4j.cli;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.diffusion.train.Stage2Recipe;
import dev.vae4j.eval.OnlineGenerationEvaluation;
import dev.vae4j.eval.fid.FidInceptionV3;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.dist.Collectives;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Device;
import picocli.CommandLine.Option;

/**
 * The online-evaluation options of stage-2 training ({@code vae train --recipe dit-synthetic --latents CACHE
 * --eval-every N}): every N steps the EMA denoiser generates K samples per class and the latent Frechet distance (and,
 * with {@code --inception} and {@code --vae}, gFID) goes into {@code metrics.jsonl}
 * ({@link OnlineGenerationEvaluation}).
 */
public final class GenerationEvalOptions {
    @Option(
            names = "--eval-every",
            paramLabel = "N",
            description = "Stage-2 recipes: every N steps and after the last, generate --eval-samples per class with"
                    + " the EMA denoiser and log latent FD (and gFID) to metrics.jsonl; with --vae also a sample grid samples/generation-N.png"
                    + " (default: no evaluation).")
    private Long every;

    @Option(
            names = "--eval-samples",
            paramLabel = "K",
            defaultValue = "16",
            description = "Samples generated per class at each evaluation (default: ${DEFAULT-VALUE}).")
    private int samplesPerClass;

    @Option(
            names = "--eval-sampler-steps",
            paramLabel = "S",
            defaultValue = "25",
            description = "Steps of the evaluation sampler (DDIM, eta 0; Euler for rectified flow; default:"
                    + " ${DEFAULT-VALUE}).")
    private int samplerSteps;

    @Option(
            names = "--eval-cfg",
            paramLabel = "G",
            defaultValue = "1.0",
            description = "Classifier-free guidance scale of the evaluation samples (default: ${DEFAULT-VALUE}, none).")
    private double guidanceScale;

    @Option(
            names = "--inception",
            paramLabel = "FILE",
            description = "FID Inception weights (vae convert of pytorch-fid's): with --vae, each evaluation also"
                    + " scores the decoded samples by gFID.")
    private Path inception;

    /** Whether {@code --eval-every} was given. */
    public boolean enabled() {
        return every != null;
    }

    /**
     * Refuses the options for a recipe that is not a stage-2 recipe.
     *
     * @throws IllegalArgumentException if an evaluation option was given
     */
    public void refuseForAutoencoders(String recipe) {
        if (every != null || inception != null) {
            throw new IllegalArgumentException("--eval-every and --inception evaluate stage-2 recipes (vae recipes); "
                    + recipe + " trains an autoencoder (its recipe's evaluation section evaluates it)");
        }
    }

    /**
     * The evaluation listener of a stage-2 run on {@code cache}, or none without {@code --eval-every}.
     *
     * @param vae the autoencoder that encoded the cache, or null (then no sample grids and no gFID)
     * @throws IllegalArgumentException if {@code --inception} is given without {@code --vae}, or the evaluation cannot
     *     run on this recipe and cache ({@link OnlineGenerationEvaluation})
     */
    public List<TrainingListener> listeners(Stage2Recipe recipe, Path cache, Path vae, Collectives collectives) {
        if (every == null) {
            if (inception != null) {
                throw new IllegalArgumentException("--inception scores the online evaluation: give --eval-every too");
            }
            return List.of();
        }
        if (inception != null && vae == null) {
            throw new IllegalArgumentException(
                    "--inception scores decoded samples: give --vae, the autoencoder that encoded " + cache);
        }
        Device device = new Device(recipe.train().device());
        AutoencoderKL autoencoder = null;
        FidInceptionV3 network = null;
        if (vae != null) {
            autoencoder = AutoencoderKL.fromPretrained(vae);
            autoencoder.to(device, false);
            autoencoder.module().eval();
        }
        if (inception != null) {
            network = FidInceptionV3.fromSafetensors(inception);
            network.to(device, false);
            network.eval();
        }
        OnlineGenerationEvaluation.Settings settings = new OnlineGenerationEvaluation.Settings(
                every,
                samplesPerClass,
                samplerSteps,
                guidanceScale,
                recipe.train().seed(),
                32);
        return List.of(new OnlineGenerationEvaluation(recipe, cache, settings, autoencoder, network, collectives));
    }
}
