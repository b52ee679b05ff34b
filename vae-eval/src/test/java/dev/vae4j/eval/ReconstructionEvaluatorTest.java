package dev.vae4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.TestModels;
import dev.vae4j.train.data.ImageArray;
import dev.vae4j.train.metrics.Psnr;
import dev.vae4j.train.metrics.Ssim;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ReconstructionEvaluator} on a tiny random model: its PSNR and SSIM are those of {@link Psnr} and {@link Ssim}
 * on the decoded posterior mode (clamped), batch size does not change them, the worst reconstruction is the lowest-PSNR
 * image, the model's training mode is restored, and options and builder reject bad values.
 */
class ReconstructionEvaluatorTest {
    private static final int SIZE = 16;

    @Test
    void metricsAreThoseOfTheDecodedPosteriorMode(@TempDir Path dir) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("images"));
        for (int i = 0; i < 5; i++) {
            TestModels.writeImage(folder.resolve("img" + i + ".png"), SIZE, SIZE, 11 + i);
        }
        EvaluationSet set = EvaluationSet.of(folder, SIZE, null);
        try (TensorScope scope = new TensorScope();
                ReconstructionEvaluator evaluator =
                        ReconstructionEvaluator.builder().worst(2).build()) {
            torch.manual_seed(3);
            AutoencoderKL model = new AutoencoderKL(TestModels.autoencoderKL().build());
            model.train(true);
            Evaluation byTwo = evaluator.evaluate(
                    model, set.dataset(), EvaluationOptions.defaults().withBatchSize(2));
            Evaluation byFive = evaluator.evaluate(
                    model, set.dataset(), EvaluationOptions.defaults().withBatchSize(5));
            assertTrue(model.is_training(), "training mode restored");

            List<ImageArray> arrays = new ArrayList<>();
            for (int i = 0; i < set.dataset().size(); i++) {
                arrays.add(set.dataset().get(i, new SplittableRandom(0)));
            }
            Tensor images = ImageArray.toBatch(arrays);
            model.train(false);
            Tensor decoded = model.decode(model.encode(images).mode())
                    .clamp(new ScalarOptional(new Scalar(-1.0)), new ScalarOptional(new Scalar(1.0)));
            double[] psnr = values(Psnr.perImage(images, decoded));
            double[] ssim = values(Ssim.perImage(images, decoded, Ssim.Border.VALID));

            assertEquals(5, byTwo.images());
            assertEquals(5, byTwo.psnr().count());
            assertEquals(mean(psnr), byTwo.psnr().mean(), 1e-6);
            assertEquals(mean(ssim), byTwo.ssim().mean(), 1e-6);
            assertEquals(byTwo.psnr().mean(), byFive.psnr().mean(), 1e-5); // float32 convolutions of another batch size
            assertEquals(byTwo.ssim().mean(), byFive.ssim().mean(), 1e-6);
            int lowest = 0;
            for (int i = 1; i < psnr.length; i++) {
                lowest = psnr[i] < psnr[lowest] ? i : lowest;
            }
            assertEquals(2, byTwo.worst().names().size());
            assertEquals(set.dataset().describe(lowest), byTwo.worst().names().get(0));
            assertNotNull(byTwo.summary().get("psnr"));
            assertFalse(byTwo.summary().containsKey("lpips"), "no LPIPS without its weights");
        }
    }

    @Test
    void badOptionsAreRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> EvaluationOptions.defaults().withBatchSize(0));
        assertThrows(
                IllegalArgumentException.class,
                () -> ReconstructionEvaluator.builder().worst(0).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> EvaluationOptions.defaults().withDevice(null));
    }

    @Test
    void runningStatsCombineLikeOneStream() {
        RunningStats all = new RunningStats();
        all.addAll(new double[] {1, 2, 3, 4, 10});
        assertEquals(5, all.count());
        assertEquals(4.0, all.mean(), 1e-12);
        assertEquals(1.0, all.min());
        assertEquals(10.0, all.max());
        double variance = (9 + 4 + 1 + 0 + 36) / 5.0;
        assertEquals(Math.sqrt(variance), all.std(), 1e-9);
    }

    private static double[] values(Tensor t) {
        Tensor d = t.to(torch.ScalarType.Double).contiguous();
        double[] out = new double[(int) d.numel()];
        d.data_ptr_double().get(out);
        return out;
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }
}
