package dev.vae4j.recipes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code vae train}'s {@link Trainer}, with a built-in recipe's objective, optimizers, schedule, clipping and EMA,
 * follows a PyTorch training loop step for step ({@code tools/reference/gen_trajectory.py}: diffusers AutoencoderKL,
 * taming PatchGAN, LDM loss math, torch Adam and schedulers, diffusers EMAModel): same initial weights, same batches in
 * the same order, same posterior noise (the fixture's loop draws it from the libtorch generator the trainer seeds per
 * sample). Every logged loss term of every step agrees to 1e-4 relative, or to ten times the largest difference PyTorch
 * shows with itself up to that step when only its float kernels change (the fixture's {@code spread.*}: two threads,
 * MKL's generic BLAS path, AVX-512 and SSE4.1 kernels) where float32 drift makes that larger (the adaptive weight, a
 * ratio of gradient norms of the sign-valued L1 gradient); the final autoencoder, EMA and discriminator weights agree
 * to 1e-4, or to ten times PyTorch's kernel spread for that tensor (parameters with an analytically zero gradient, such
 * as attention key biases, random-walk on rounding noise under Adam). The rule holds whichever OpenBLAS kernel this
 * machine picks. Case {@code vq_f4_small} ({@code tools/reference/gen_trajectory_vq.py}) trains a VQModel with the
 * {@code vq-gan} objective against taming's own {@code VectorQuantizer2} and {@code VQLPIPSWithDiscriminator}, its
 * codebook usage and perplexity among the checked terms. Case {@code pd_vq_f8}
 * ({@code tools/reference/gen_trajectory_pd_vq.py}) trains the {@code pd-vq-f8} recipe's PytorchDiffusionVQModel at
 * tiny widths against stanipov/pytorch-diffusion's own {@code VQModel}, {@code LPIPSWithDiscriminator} (Huber, the
 * discriminator from step 0, the GAN term computed from its {@code disc_start + 1}, the codebook loss discarded:
 * {@code codebook_weight: 0}), {@code NLayerDiscriminator}, AdamW and OneCycleLR (three phases).
 */
@Tag("parity")
class TrainingTrajectoryParityTest {
    @ParameterizedTest
    @ValueSource(strings = {"kl_f4_small", "ldm_kl_f8", "vq_f4_small", "pd_vq_f8"})
    void followsThePyTorchLoop(String name, @TempDir Path runDir) throws IOException {
        torch.set_num_threads(1);
        try (SafetensorsReader fixture = SafetensorsReader.open(Fixtures.dir("training/" + name + ".safetensors"));
                TensorScope scope = new TensorScope()) {
            Recipe recipe = TrajectoryFixture.recipe(fixture.metadata());
            TrainConfig config = recipe.train().toBuilder().logEvery(1).build(); // the loss terms of every step
            TrainableAutoencoder model = Autoencoders.create(recipe.model().config());
            StateDict.load(model.module(), TrajectoryFixture.prefixed(fixture, "init.ae."), true, "init.ae");
            Discriminator discriminator = TrainingSession.discriminator(recipe, model.outputChannels(), null);
            assertEquals(discriminator != null, hasDisc(fixture));
            if (discriminator != null) {
                StateDict.load(
                        discriminator.module(), TrajectoryFixture.prefixed(fixture, "init.disc."), true, "init.disc");
            }
            String lpips = fixture.metadata().getOrDefault("lpips", "");
            ObjectiveFactory.Objectives objectives =
                    ObjectiveFactory.create(recipe, lpips.isEmpty() ? null : Fixtures.dir("training/" + lpips));
            Trainer.Builder parts = Trainer.builder(model, objectives.generator(), config, runDir);
            if (discriminator != null) {
                parts.adversary(discriminator, objectives.discriminator());
            }
            Trainer trainer = parts.build();
            TrajectoryFixture.checkSteps(name, fixture, TrajectoryFixture.train(trainer, fixture, config));
            TrajectoryFixture.compare(name + " autoencoder", fixture, "final.ae.", StateDict.of(model.module()));
            if (config.emaDecay() > 0) {
                TrajectoryFixture.compare(
                        name + " EMA", fixture, "final.ema.", trainer.ema().tensors());
            }
            if (discriminator != null) {
                TrajectoryFixture.compare(
                        name + " discriminator", fixture, "final.disc.", StateDict.of(discriminator.module()));
            }
        }
    }

    private static boolean hasDisc(SafetensorsReader fixture) {
        return fixture.names().stream().anyMatch(n -> n.startsWith("init.disc."));
    }
}
