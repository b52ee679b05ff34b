package dev.vae4j.recipes;

import static org.bytedeco.pytorch.global.torch.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.DiagonalGaussian;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.StopRequest;
import dev.vae4j.train.dist.DataParallel;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run trained with {@code fixed_variance} exports the posterior it trained with: the exported folders' encoder gives
 * log-variance {@code log(fixed_variance)} everywhere, not the untrained predicted one (a latent cache's posterior
 * samples of kl-f4-small were otherwise the means plus noise of std ~1.1, larger than the latents).
 */
class FixedVarianceExportTest {
    private static final Path RECIPES = Path.of("src/test/resources/recipes");

    @Test
    void theExportedPosteriorHasTheTrainedVariance(@TempDir Path dir) {
        Recipe micro = Recipe.load(RECIPES.resolve("micro.yaml").toString());
        Recipe recipe = micro.withTrain(micro.train().toBuilder()
                .steps(2)
                .checkpoints(0, 1)
                .fixedVariance(1e-4)
                .build());
        Path run = dir.resolve("run");
        new TrainingSession(recipe, run, null, null, false, false, null, DataParallel.none(), new StopRequest())
                .run(new PrintStream(OutputStream.nullOutputStream()));
        for (String folder : new String[] {"model", "model-ema"}) {
            try (TensorScope scope = new TensorScope();
                    NoGradGuard noGrad = new NoGradGuard()) {
                DiagonalGaussian posterior =
                        AutoencoderKL.fromPretrained(run.resolve(folder)).encode(randn(2, 3, 16, 16));
                assertEquals(
                        0f,
                        posterior
                                .logvar()
                                .sub(new Scalar(Math.log(1e-4)))
                                .abs()
                                .max()
                                .item_float(),
                        1e-5f,
                        folder);
            }
        }
    }
}
