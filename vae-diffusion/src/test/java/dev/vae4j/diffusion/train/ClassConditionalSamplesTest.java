package dev.vae4j.diffusion.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.Denoiser;
import dev.vae4j.diffusion.sampling.ClassifierFreeGuidance;
import dev.vae4j.diffusion.sampling.SamplingLoop;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dit-synthetic recipe's whole generation path, end to end on three classes of 4x4x4 latents that differ only by
 * class (a constant +0.8, a constant -0.8, vertical stripes of +-0.8; noise 0.2): after a short run, the EMA DiT's DDIM
 * samples of each class, without and with classifier-free guidance, are nearer (mean squared distance of the class's
 * mean sample) to their own class's pattern than to either other class's. Fails when the label does not reach the
 * model, the trainer drops or mixes labels, the EMA weights are not the trained ones or the sampler does not denoise.
 */
class ClassConditionalSamplesTest {
    private static final int CLASSES = 3;
    private static final int PER_CLASS = 16;
    private static final int SIDE = 4;

    @Test
    void eachClassSamplesItsOwnPattern(@TempDir Path dir) {
        Stage2Recipe recipe = Stage2Recipe.load("dit-synthetic");
        recipe = recipe.withTrain(recipe.train().toBuilder()
                .steps(400)
                .batchSize(16)
                .checkpoints(0, 1)
                .build());
        try (TensorScope scope = new TensorScope()) {
            Tensor[] patterns = patterns();
            FixedLatents data = data(patterns);
            torch.manual_seed(0);
            Stage2Network trained = Stage2Network.create(recipe, data);
            DenoiserTrainer trainer = DenoiserTrainer.builder(
                            trained, recipe.objective().create(), recipe.train(), dir.resolve("run"))
                    .classDropout(recipe.data().classDropout())
                    .build();
            trainer.train(data, List.of());
            Stage2Network ema = Stage2Network.create(recipe, data);
            trainer.ema().copyTo(ema.module());
            ema.module().train(false);

            for (Denoiser denoiser : List.of(ema.denoiser(), new ClassifierFreeGuidance(ema.denoiser(), 2.0))) {
                Tensor noise = torch.randn(
                        new long[] {CLASSES * PER_CLASS, 4, SIDE, SIDE},
                        new GeneratorOptional(torch.createCPUGenerator(7)),
                        new TensorOptions(ScalarType.Float));
                long[] labels = new long[CLASSES * PER_CLASS];
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = i / PER_CLASS;
                }
                Tensor samples = new SamplingLoop(denoiser, Stage2Samplers.forObjective(recipe.objective(), 20))
                        .run(noise, torch.tensor(labels));
                for (int c = 0; c < CLASSES; c++) {
                    Tensor mean =
                            samples.narrow(0, (long) c * PER_CLASS, PER_CLASS).mean(new long[] {0});
                    double own = distance(mean, patterns[c]);
                    for (int other = 0; other < CLASSES; other++) {
                        double away = distance(mean, patterns[other]);
                        assertTrue(
                                other == c || own < away,
                                "class " + c + "'s samples lie " + own + " from its pattern and " + away
                                        + " from class " + other + "'s");
                    }
                }
            }
        }
    }

    /** (4, SIDE, SIDE): +0.8, -0.8, columns alternating +-0.8. */
    private static Tensor[] patterns() {
        Tensor stripes = torch.arange(new Scalar(SIDE))
                .remainder(new Scalar(2))
                .mul(new Scalar(1.6))
                .sub(new Scalar(0.8))
                .to(ScalarType.Float)
                .view(1, 1, SIDE)
                .expand(4, SIDE, SIDE)
                .contiguous();
        return new Tensor[] {
            torch.full(new long[] {4, SIDE, SIDE}, new Scalar(0.8)),
            torch.full(new long[] {4, SIDE, SIDE}, new Scalar(-0.8)),
            stripes
        };
    }

    /** 96 samples, labels i % 3, each its class's pattern plus noise of std 0.2. */
    private static FixedLatents data(Tensor[] patterns) {
        int n = 96;
        Tensor noise = torch.randn(
                        new long[] {n, 4, SIDE, SIDE},
                        new GeneratorOptional(torch.createCPUGenerator(1)),
                        new TensorOptions(ScalarType.Float))
                .mul(new Scalar(0.2));
        long[] labels = new long[n];
        org.bytedeco.pytorch.TensorVector rows = new org.bytedeco.pytorch.TensorVector();
        for (int i = 0; i < n; i++) {
            labels[i] = i % CLASSES;
            rows.push_back(patterns[i % CLASSES].unsqueeze(0));
        }
        return FixedLatents.of(torch.cat(rows, 0).add(noise), labels);
    }

    private static double distance(Tensor a, Tensor b) {
        return a.sub(b).pow(new Scalar(2)).mean().item_double();
    }
}
