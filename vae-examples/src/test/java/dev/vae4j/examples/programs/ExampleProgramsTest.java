package dev.vae4j.examples.programs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.TestModels;
import dev.vae4j.diffusion.train.Stage2Recipe;
import dev.vae4j.diffusion.train.Stage2Session;
import dev.vae4j.train.StopRequest;
import dev.vae4j.train.cache.CacheLabels;
import dev.vae4j.train.cache.LatentCacheOptions;
import dev.vae4j.train.cache.LatentCacheWriter;
import dev.vae4j.train.cache.LatentDataset;
import dev.vae4j.train.data.SyntheticImages;
import dev.vae4j.train.dist.DataParallel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs every example program of {@code dev.vae4j.examples.programs} on tiny inputs and checks what it made. */
class ExampleProgramsTest {
    /** The example's {@code main}, as a test calls it. */
    private interface Program {
        void run(String[] args) throws Exception;
    }

    /** Runs {@code program} with {@code args}, returning what it printed on standard output. */
    private static String run(Program program, Object... args) throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            program.run(java.util.Arrays.stream(args).map(String::valueOf).toArray(String[]::new));
        } finally {
            System.setOut(saved);
        }
        String out = buffer.toString(StandardCharsets.UTF_8);
        saved.print(out);
        return out;
    }

    private static Path images(Path dir, int count, int width, int height) throws IOException {
        Files.createDirectories(dir);
        for (int i = 0; i < count; i++) {
            TestModels.writeImage(dir.resolve("img" + i + ".png"), width, height, i);
        }
        return dir;
    }

    @Test
    void reconstructFolderTilesImagesLargerThanATile(@TempDir Path tmp) throws Exception {
        Path model = TestModels.saveAutoencoderKL(tmp.resolve("model"));
        Path in = images(tmp.resolve("in"), 2, 48, 40);
        String out = run(ReconstructFolder::main, model, in, tmp.resolve("out"), 16);
        assertEquals(
                2,
                out.lines()
                        .filter(l -> l.contains("latents [1, 4, 20, 24]") && l.contains("PSNR"))
                        .count(),
                out);
        for (String name : List.of("img0.png", "img1.png")) {
            assertEquals(
                    48,
                    javax.imageio.ImageIO.read(tmp.resolve("out").resolve(name).toFile())
                            .getWidth());
        }
    }

    @Test
    void fineTuneDecoderChangesTheDecoderOnly(@TempDir Path tmp) throws Exception {
        Path model = TestModels.saveAutoencoderKL(tmp.resolve("model"));
        Path in = images(tmp.resolve("in"), 4, 24, 24);
        String out = run(FineTuneDecoder::main, model, in, tmp.resolve("run"), 2, 16);
        assertTrue(out.contains("fine-tuned the decoder for 2 steps"), out);
        try (TensorScope scope = new TensorScope()) {
            AutoencoderKL before = AutoencoderKL.fromPretrained(model);
            AutoencoderKL after =
                    AutoencoderKL.fromPretrained(tmp.resolve("run").resolve("model"));
            assertTrue(same(before, after, "encoder.conv_in.weight"), "the encoder must stay frozen");
            assertFalse(same(before, after, "decoder.conv_out.weight"), "the decoder must have been trained");
        }
        List<String> log = Files.readAllLines(tmp.resolve("run").resolve("metrics.jsonl"));
        assertEquals(2, log.size());
        assertTrue(log.get(0).contains("\"pooled\""), log.get(0));
    }

    private static boolean same(AutoencoderKL a, AutoencoderKL b, String key) {
        Tensor x = dev.vae4j.core.io.StateDict.of(a).get(key);
        Tensor y = dev.vae4j.core.io.StateDict.of(b).get(key);
        return x.equal(y);
    }

    @Test
    void trainLiteVaeWritesAModelAndItsWaveletLosses(@TempDir Path tmp) throws Exception {
        String out = run(TrainLiteVae::main, tmp, 2, 32);
        assertTrue(out.contains("trained a LiteVAE"), out);
        assertTrue(Files.isRegularFile(tmp.resolve("model").resolve("config.json")));
        List<String> log = Files.readAllLines(tmp.resolve("metrics.jsonl"));
        assertEquals(2, log.size());
        assertTrue(log.get(1).contains("\"wave\"") && log.get(1).contains("\"gauss\""), log.get(1));
    }

    @Test
    void evaluateModelPrintsPsnrAndSsim(@TempDir Path tmp) throws Exception {
        Path model = TestModels.saveAutoencoderKL(tmp.resolve("model"));
        Path in = images(tmp.resolve("in"), 3, 20, 16);
        String out = run(EvaluateModel::main, model, in, 16);
        assertTrue(out.startsWith("3 images"), out);
        assertTrue(out.contains("psnr") && out.contains("ssim") && out.contains("lowest PSNR: [img"), out);
    }

    @Test
    void sampleStage2RunDecodesSamplesOfATinyRun(@TempDir Path tmp) throws Exception {
        Path model = TestModels.saveAutoencoderKL(tmp.resolve("model"));
        Path cache = tmp.resolve("cache");
        SyntheticImages synthetic = new SyntheticImages(6, 16, 0, false);
        TrainableAutoencoder encoder = Autoencoders.load(model);
        encoder.module().train(false);
        new LatentCacheWriter(
                        encoder,
                        synthetic.asSource(),
                        cache,
                        new LatentCacheOptions(16, null, 256, false, 4, 1, CacheLabels.synthetic(synthetic)),
                        null)
                .write(0, 1, false, (done, total) -> {});
        Path recipe = Files.writeString(tmp.resolve("tiny.yaml"), """
                stage: 2
                name: tiny-dit
                description: tiny DiT for the example test
                denoiser:
                  dit: {num_attention_heads: 2, attention_head_dim: 8, num_layers: 1, patch_size: 2}
                objective: {type: ddpm, beta_schedule: linear, train_timesteps: 1000, prediction: epsilon, loss: l2}
                data: {latent_norm: vae_scaling, posterior: mean, class_dropout: 0.1}
                train:
                  steps: 2
                  batch_size: 2
                  seed: 0
                  generator_optimizer: {type: adamw, lr: 1.0e-3, beta1: 0.9, beta2: 0.999, eps: 1.0e-8, weight_decay: 0}
                  schedule: {type: constant, warmup_steps: 0}
                  ema_decay: 0.9
                  checkpoint_every: 2
                  log_every: 1
                """);
        Path runDir = tmp.resolve("run");
        Stage2Session.train(
                Stage2Recipe.load(recipe.toString()),
                cache,
                runDir,
                null,
                DataParallel.none(),
                new StopRequest(),
                List.of());
        Path out = tmp.resolve("samples");
        String printed = run(SampleStage2Run::main, runDir, model, out, 0, 2, 3, 2.0);
        assertTrue(printed.startsWith("sampled 2 images of class 0") && printed.contains("ema.safetensors"), printed);
        for (String name : List.of("0-0.png", "0-1.png")) {
            assertEquals(
                    16, javax.imageio.ImageIO.read(out.resolve(name).toFile()).getWidth(), name);
        }
    }

    @Test
    void cacheLatentsWritesACacheAndReadsItBack(@TempDir Path tmp) throws Exception {
        Path model = TestModels.saveAutoencoderKL(tmp.resolve("model"));
        Path in = images(tmp.resolve("in"), 3, 16, 24);
        Path cache = tmp.resolve("cache");
        String out = run(CacheLatents::main, model, in, cache, 16);
        assertTrue(out.startsWith("cached the latents of 3 images"), out);
        assertEquals(
                List.of(2L, 1L),
                out.lines()
                        .filter(l -> l.contains("-> images"))
                        .map(l -> l.contains("latents [2, 4, 8, 8] -> images [2, 3, 16, 16]")
                                ? 2L
                                : l.contains("latents [1, 4, 8, 8] -> images [1, 3, 16, 16]") ? 1L : 0L)
                        .toList(),
                out);
        try (LatentDataset latents = LatentDataset.open(cache)) {
            assertEquals(3, latents.size());
        }
    }

    @Test
    void customListenerWritesACsvLinePerStep(@TempDir Path tmp) throws Exception {
        String out = run(CustomListener::main, tmp, 5);
        assertTrue(out.contains("step 5: {"), out);
        List<String> csv = Files.readAllLines(tmp.resolve("losses.csv"));
        assertEquals(6, csv.size(), csv.toString());
        assertTrue(csv.get(0).startsWith("step,lr,seconds,"), csv.get(0));
    }
}
