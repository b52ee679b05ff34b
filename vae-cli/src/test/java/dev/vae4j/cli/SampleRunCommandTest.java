package dev.vae4j.cli;

import static dev.vae4j.cli.CliTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.train.Stage2LatentSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae sample --model RUN --vae M} on two tiny stage-2 runs of 2 steps on a labelled cache of 8 built-in
 * synthetic images (16 px, latents 4x8x8): a DiT on the DDPM linear schedule ({@code vae_scaling}) sampled with its own
 * DDIM, DDIM with eta, DDPM and DPM-Solver++, and a SiT-convention rectified flow ({@code data_at_one},
 * {@code channel_stats}) sampled with Euler; a missing {@code --vae}, a {@code --vae} of other latent channels or other
 * weights, a sampler that does not fit the objective, {@code --eta} without DDIM and a folder of neither kind are
 * refused in one line. The DiT run is trained with {@code --vae}, so it also writes its DiTPipeline folder.
 */
class SampleRunCommandTest {
    private static final String TINY_DIT = """
            stage: 2
            name: tiny-dit
            description: tiny DiT for tests
            denoiser:
              dit: {num_attention_heads: 2, attention_head_dim: 8, num_layers: 1, patch_size: 2}
            objective:
              type: ddpm
              beta_schedule: linear
              beta_start: 1.0e-4
              beta_end: 0.02
              train_timesteps: 1000
              prediction: epsilon
              loss: l2
            data:
              latent_norm: vae_scaling
              posterior: sample
              class_dropout: 0.1
            train:
              steps: 2
              batch_size: 2
              seed: 0
              generator_optimizer: {type: adamw, lr: 1.0e-3, beta1: 0.9, beta2: 0.999, eps: 1.0e-8, weight_decay: 0.0}
              schedule: {type: constant, warmup_steps: 0}
              ema_decay: 0.9
              checkpoint_every: 2
              keep_checkpoints: 1
              log_every: 1
            """;

    @TempDir
    static Path dir;

    private static Path model;
    private static Path cache;
    private static Path ditRun;
    private static Path sitRun;

    @BeforeAll
    static void trainTwoTinyRuns() throws IOException {
        model = CliTestSupport.saveUnshiftedTestModel(dir.resolve("model"));
        cache = dir.resolve("cache");
        run(
                        "encode",
                        "-m",
                        model.toString(),
                        "-i",
                        "synthetic:8",
                        "-o",
                        cache + "/",
                        "--resolution",
                        "16",
                        "--labels",
                        "synthetic")
                .assertOk();
        ditRun = train("dit", TINY_DIT, "--vae", model.toString());
        sitRun = train(
                "sit",
                TINY_DIT.replace("name: tiny-dit", "name: tiny-sit")
                        .replace("""
                                  type: ddpm
                                  beta_schedule: linear
                                  beta_start: 1.0e-4
                                  beta_end: 0.02
                                """, """
                                  type: rectified_flow
                                  flow_convention: data_at_one
                                """)
                        .replace("  prediction: epsilon\n", "")
                        .replace("latent_norm: vae_scaling", "latent_norm: channel_stats"));
    }

    private static Path train(String name, String recipe, String... more) throws IOException {
        Path file = Files.writeString(dir.resolve(name + ".yaml"), recipe);
        Path out = dir.resolve(name + "-run");
        List<String> args = new ArrayList<>(List.of(
                "train",
                "--recipe",
                file.toString(),
                "--latents",
                cache.toString(),
                "--out",
                out.toString(),
                "--threads",
                "1"));
        args.addAll(Arrays.asList(more));
        run(args.toArray(String[]::new)).assertOk();
        return out;
    }

    private static String[] sample(Path runDir, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "sample",
                "--model",
                runDir.toString(),
                "--vae",
                model.toString(),
                "--classes",
                "0,2",
                "--count",
                "2",
                "--steps",
                "3",
                "--cfg",
                "2.0",
                "--seed",
                "0",
                "--output",
                out.toString()));
        args.addAll(Arrays.asList(more));
        return args.toArray(String[]::new);
    }

    private static void assertImages(Path out) {
        for (String name : List.of("0-0.png", "0-1.png", "2-0.png", "2-1.png")) {
            assertArrayEquals(new int[] {16, 16}, CliTestSupport.imageSize(out.resolve(name)), name);
        }
        assertArrayEquals(new int[] {32, 32}, CliTestSupport.imageSize(out.resolve(SampleCommand.GRID_FILE)));
    }

    @Test
    void aDiffusionRunIsSampledWithEachOfItsSamplers() throws IOException {
        Stage2LatentSpace space = Stage2LatentSpace.read(ditRun);
        assertArrayEquals(new long[] {4, 8, 8}, space.shape());
        assertEquals(2, space.downsamplingFactor());
        assertTrue(space.modelWeights() != null, "the cache's fingerprint records the autoencoder weights");
        for (String[] sampler : List.of(
                new String[0],
                new String[] {"--sampler", "ddim", "--eta", "0.5"},
                new String[] {"--sampler", "ddpm"},
                new String[] {"--sampler", "dpm-solver++"})) {
            Path out = dir.resolve("dit-" + String.join("", sampler).replace("-", ""));
            run(sample(ditRun, out, sampler)).assertOk();
            assertImages(out);
        }
        Path again = dir.resolve("dit-again");
        run(sample(ditRun, again)).assertOk();
        assertArrayEquals(
                Files.readAllBytes(dir.resolve("dit-").resolve("2-1.png")),
                Files.readAllBytes(again.resolve("2-1.png")),
                "seeded DDIM is reproducible");
        run(sample(ditRun, dir.resolve("dit-euler"), "--sampler", "euler"))
                .assertOneLineError("sampler euler runs on a rectified-flow path", "ddim, ddpm or dpm-solver++");
    }

    /**
     * The run folder and the DiTPipeline folder the run wrote at its end (EMA weights, the recipe's DDIM scheduler
     * config) sample the same final latents, bit for bit.
     */
    @Test
    void aRunSamplesTheLatentsOfItsOwnPipelineFolder() {
        Path fromRun = dir.resolve("from-run.safetensors");
        Path fromPipeline = dir.resolve("from-pipeline.safetensors");
        run(sample(ditRun, dir.resolve("run-latents"), "--sampler", "ddpm", "--output-latents", fromRun.toString()))
                .assertOk();
        List<String> pipeline = new ArrayList<>(Arrays.asList(sample(
                ditRun.resolve("pipeline"),
                dir.resolve("pipeline-latents"),
                "--sampler",
                "ddpm",
                "--output-latents",
                fromPipeline.toString())));
        pipeline.subList(3, 5).clear();
        run(pipeline.toArray(String[]::new)).assertOk();
        try (TensorScope scope = new TensorScope();
                SafetensorsReader a = SafetensorsReader.open(fromRun);
                SafetensorsReader b = SafetensorsReader.open(fromPipeline)) {
            assertTrue(torch.equal(a.load("latents"), b.load("latents")));
        }
    }

    @Test
    void aSitConventionFlowRunIsSampledWithEuler() {
        Path out = dir.resolve("sit");
        run(sample(sitRun, out, "--sampler", "euler")).assertOk();
        assertImages(out);
        run(sample(sitRun, dir.resolve("sit-ddim"), "--sampler", "ddim"))
                .assertOneLineError("sampler ddim does not fit a rectified_flow objective", "euler");
        assertFalse(Files.exists(dir.resolve("sit-ddim")));
    }

    @Test
    void badModelsAndOptionsAreRefusedInOneLine() {
        Path out = dir.resolve("refused");
        List<String> noVae = new ArrayList<>(Arrays.asList(sample(ditRun, out)));
        noVae.subList(3, 5).clear();
        run(noVae.toArray(String[]::new)).assertOneLineError("is a stage-2 run folder: give --vae M");
        Path wide;
        try (TensorScope scope = new TensorScope()) {
            wide = dir.resolve("wide");
            new AutoencoderKL(AutoencoderKLConfig.builder(List.of(8, 16), 8)
                            .layersPerBlock(1)
                            .normNumGroups(4)
                            .sampleSize(32)
                            .build())
                    .save(wide);
        }
        List<String> wrongVae = new ArrayList<>(Arrays.asList(sample(ditRun, out)));
        wrongVae.set(4, wide.toString());
        run(wrongVae.toArray(String[]::new)).assertOneLineError("has 8 latent channels", "latents of 4 channels");
        wrongVae.set(4, CliTestSupport.saveTestModel(dir.resolve("other")).toString());
        run(wrongVae.toArray(String[]::new))
                .assertOneLineError("was encoded by other weights", "give the autoencoder that encoded it");
        run(sample(ditRun, out, "--eta", "0.5")).assertOneLineError("--eta 0.5 is DDIM's", "--sampler ddim");
        run(sample(ditRun, out, "--sampler", "ddpm", "--eta", "0.5")).assertOneLineError("--sampler ddim");
        run(sample(ditRun, out, "--sampler", "heun")).assertOneLineError("unknown sampler 'heun'", "dpm-solver++");
        run(sample(cache, out))
                .assertOneLineError(
                        "is neither a DiTPipeline folder", "nor a stage-2 run folder (no stage-2 recipe.yaml)");
        assertFalse(Files.exists(out));
    }
}
