package dev.vae4j.train;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.CudnnBenchmark;
import dev.vae4j.core.tensor.Precision;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.data.ImageArray;
import dev.vae4j.train.data.SyntheticImages;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU-grade training loop on the lane's device ({@code tools/gpu/check.sh}; {@code -Dvae4j.lane.device=cpu} in its
 * dry run): host reads per step and per log interval counted on the device, peak CUDA memory in every interval report,
 * cuDNN's benchmark mode switched on by the config, and batches staged in pinned memory and copied without blocking
 * arriving intact. Skipped without a CUDA device.
 */
@Tag("cuda")
class TrainingLoopCudaTest {
    private static final String DEVICE = System.getProperty("vae4j.lane.device", "cuda");

    @BeforeAll
    static void deviceAvailable() {
        Assumptions.assumeTrue(DEVICE.equals("cpu") || torch.cuda_is_available(), "no CUDA device");
    }

    @Test
    void aRunReadsTheDeviceOncePerStepAndOncePerIntervalAndLogsPeakMemory(@TempDir Path runDir) {
        long steps = 9;
        long logEvery = 4;
        TrainConfig config = TrainConfig.builder(steps, 4, OptimizerSettings.adam(2e-3, 0.5, 0.9))
                .seed(42)
                .discriminator(OptimizerSettings.adam(1e-3, 0.5, 0.9))
                .gradClip(1.0)
                .discStart(2)
                .precision(Precision.BF16)
                .logEvery(logEvery)
                .cudnnBenchmark(true)
                .device(DEVICE)
                .build();
        torch.manual_seed(7);
        Trainer trainer = Trainer.builder(
                        new AutoencoderKL(TrainerTest.modelConfig()), new TestObjectives.MseKl(2), config, runDir)
                .adversary(new TestObjectives.PatchConv(), new TestObjectives.Hinge())
                .build();
        TrainerTest.Recorder recorder = new TrainerTest.Recorder();
        long before = HostSyncs.count();
        trainer.train(new SyntheticImages(16, 16, 1, true), List.of(recorder));
        long syncs = HostSyncs.count() - before;
        System.out.printf(
                "%s: %d host reads for %d steps logged every %d; peak CUDA %d bytes%n",
                DEVICE,
                syncs,
                steps,
                logEvery,
                recorder.logs.get(recorder.logs.size() - 1).peakCudaBytes());
        assertEquals(steps + 3, syncs, "one check per step + one read per interval (4, 8, 9)");
        assertEquals(
                List.of(4L, 8L, 9L),
                recorder.logs.stream().map(IntervalReport::lastStep).toList());
        for (IntervalReport report : recorder.logs) {
            assertTrue(Double.isFinite(report.terms().get("rec")), report.toString());
            assertEquals(DEVICE.startsWith("cuda"), report.peakCudaBytes() > 0, report.toString());
        }
        assertEquals(DEVICE.startsWith("cuda"), CudnnBenchmark.enabled());
        CudnnBenchmark.set(DEVICE, false);
    }

    @Test
    void batchesArriveIntactThroughPinnedNonBlockingCopies() {
        SyntheticImages images = new SyntheticImages(3, 16, 5, false);
        List<ImageArray> batch = List.of(
                images.get(0, new SplittableRandom(1)),
                images.get(1, new SplittableRandom(2)),
                images.get(2, new SplittableRandom(3)));
        try (TensorScope scope = new TensorScope()) {
            Tensor onDevice = ImageArray.toDevice(batch, new Device(DEVICE));
            assertEquals(DEVICE.startsWith("cuda"), onDevice.is_cuda());
            assertClose("batch on " + DEVICE, ImageArray.toBatch(batch), onDevice.cpu(), 0.0);
        }
    }
}
