package dev.vae4j.train;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.InferenceAutoencoder;
import dev.vae4j.core.model.InferenceOptions;
import dev.vae4j.core.model.TiledCodec;
import dev.vae4j.core.tensor.Precision;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.core.testing.TestJvm;
import dev.vae4j.train.data.SyntheticImages;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.DistributedContext;
import dev.vae4j.train.dist.ProcessGroupCollectives;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The GPU lane ({@code tools/gpu/check.sh}): the fixtures' fp32 forward, bf16/fp16 autocast, tiled decode, a training
 * run with a checkpoint round trip, and a world-size-1 process group doing every collective the trainer uses, all on
 * CUDA. Skipped without a CUDA device. {@code -Dvae4j.lane.device=cpu} (the script's {@code --dry-run}) runs the same
 * tests on the CPU, with Gloo for the process group, so CI keeps them working.
 */
@Tag("cuda")
class CudaLaneTest {
    /** The device under test: {@code cuda} unless the system property says {@code cpu}. */
    private static final String DEVICE = System.getProperty("vae4j.lane.device", "cuda");
    /** fp32 on CUDA against the CPU reference outputs (cuDNN/TF32-free kernels differ in summation order only). */
    private static final double FP32_TOLERANCE = 1e-3;

    private static final Map<Precision, Double> AUTOCAST_TOLERANCE = Map.of(Precision.BF16, 0.1, Precision.FP16, 0.02);
    private static final Device CPU = new Device("cpu");

    @BeforeAll
    static void deviceAvailable() {
        Assumptions.assumeTrue(DEVICE.equals("cpu") || torch.cuda_is_available(), "no CUDA device");
    }

    private static Device device() {
        return new Device(DEVICE);
    }

    private static Tensor onDevice(Tensor t) {
        return t.to(device(), ScalarType.Float);
    }

    private static Tensor onCpu(Tensor t) {
        return t.to(CPU, ScalarType.Float);
    }

    private static AutoencoderKL fixtureModel(Path dir) {
        AutoencoderKL model = AutoencoderKL.fromPretrained(dir);
        model.eval();
        model.module().to(device(), false);
        return model;
    }

    @ParameterizedTest
    @ValueSource(strings = {"kl4_quant_attn", "kl16_noquant", "kl4_noattn", "gray_in_out"})
    void fp32ForwardMatchesTheReference(String name) {
        Path dir = Fixtures.dir("autoencoder_kl/" + name);
        try (TensorScope scope = new TensorScope();
                InferenceMode inference = new InferenceMode();
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            AutoencoderKL model = fixtureModel(dir);
            Tensor mean = model.encode(onDevice(io.load("input"))).mean();
            assertEquals(!DEVICE.equals("cpu"), mean.is_cuda());
            assertClose(DEVICE + " " + name + " mean", io.load("posterior_mean"), onCpu(mean), FP32_TOLERANCE);
            assertClose(
                    DEVICE + " " + name + " decoded",
                    io.load("decoded"),
                    onCpu(model.decode(onDevice(io.load("posterior_sample")))),
                    FP32_TOLERANCE);
        }
    }

    @Test
    void autocastStaysWithinItsTolerances() {
        Path dir = Fixtures.dir("autoencoder_kl/kl4_quant_attn");
        try (TensorScope scope = new TensorScope();
                InferenceMode inference = new InferenceMode();
                SafetensorsReader io = SafetensorsReader.open(dir.resolve("io.safetensors"))) {
            AutoencoderKL model = fixtureModel(dir);
            Tensor latents = onDevice(io.load("posterior_sample"));
            for (Precision precision : List.of(Precision.BF16, Precision.FP16)) {
                InferenceAutoencoder fast = new InferenceOptions(precision, false).apply(model);
                double diff = assertClose(
                        DEVICE + " " + precision + " decoded",
                        io.load("decoded"),
                        onCpu(fast.decode(latents)),
                        AUTOCAST_TOLERANCE.get(precision));
                // fp16 runs in fp32 for force_upcast models, as in diffusers; bf16 always applies
                assertTrue(
                        diff > 0 || precision == Precision.FP16 && model.forceUpcast(),
                        precision + " autocast changed nothing: was it applied?");
            }
        }
    }

    @Test
    void tiledDecodeMatchesTheCpu() {
        Path dir = Fixtures.dir("autoencoder_kl/kl4_noattn");
        try (TensorScope scope = new TensorScope();
                InferenceMode inference = new InferenceMode()) {
            AutoencoderKL cpu = AutoencoderKL.fromPretrained(dir);
            cpu.eval();
            torch.manual_seed(3);
            Tensor latents = torch.randn(1, cpu.latentChannels(), 16, 16);
            // 16-px tiles over a 32-px image (f = 2): several overlapping tiles and blended seams
            Tensor expected = new TiledCodec(cpu, 16, 0.25).decode(latents);
            Tensor actual = new TiledCodec(fixtureModel(dir), 16, 0.25).decode(onDevice(latents));
            assertClose(DEVICE + " tiled decode", expected, onCpu(actual), FP32_TOLERANCE);
        }
    }

    @Test
    void trainingRunsAndItsCheckpointRoundTrips(@TempDir Path runDir) {
        TrainConfig config = TrainConfig.builder(4, 4, OptimizerSettings.adam(2e-3, 0.5, 0.9))
                .seed(42)
                .discriminator(OptimizerSettings.adam(1e-3, 0.5, 0.9))
                .schedule(LearningRateSchedule.constant(2))
                .gradClip(1.0)
                .ema(0.9, 0)
                .discStart(2)
                .maxNonFinite(3)
                .checkpoints(4, 5)
                .device(DEVICE)
                .build();
        torch.manual_seed(7);
        AutoencoderKL model = new AutoencoderKL(TrainerTest.modelConfig());
        Trainer.builder(model, new TestObjectives.MseKl(2), config, runDir)
                .adversary(new TestObjectives.PatchConv(), new TestObjectives.Hinge())
                .build()
                .train(new SyntheticImages(16, 16, 1, true), List.of());
        AutoencoderKL restored = new AutoencoderKL(TrainerTest.modelConfig());
        Trainer resumed = Trainer.builder(restored, new TestObjectives.MseKl(2), config, runDir)
                .adversary(new TestObjectives.PatchConv(), new TestObjectives.Hinge())
                .build();
        resumed.resume(CheckpointStore.latest(runDir).orElseThrow());
        assertEquals(4, resumed.state().step());
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> trained = StateDict.of(model);
            Map<String, Tensor> loaded = StateDict.of(restored);
            trained.forEach((key, value) -> {
                assertTrue(value.isfinite().all().item_bool(), key + " is not finite");
                assertClose("checkpoint " + key, onCpu(value), onCpu(loaded.get(key)), 0.0);
            });
        }
    }

    @Test
    void aSingleRankProcessGroupRunsEveryCollective() {
        DistributedContext.Backend backend =
                DEVICE.equals("cpu") ? DistributedContext.Backend.GLOO : DistributedContext.Backend.NCCL;
        DistributedContext context =
                new DistributedContext(0, 1, 0, "127.0.0.1", TestJvm.freePort(), backend, Duration.ofSeconds(60));
        try (TensorScope scope = new TensorScope();
                Collectives collectives = ProcessGroupCollectives.connect(context)) {
            Tensor a = onDevice(torch.ones(3));
            Tensor b = onDevice(torch.full(new long[] {4}, new org.bytedeco.pytorch.Scalar(2.0)));
            collectives.allReduceSum(List.of(a, b));
            assertEquals(3.0, onCpu(a).sum().item_double());
            assertEquals(8.0, onCpu(b).sum().item_double());
            Tensor c = onDevice(torch.arange(new org.bytedeco.pytorch.Scalar(5)));
            collectives.broadcast(List.of(c), 0);
            assertEquals(10.0, onCpu(c).sum().item_double());
            Tensor gathered = collectives.allGather(onDevice(torch.ones(2, 3)));
            assertEquals(List.of(2L, 3L), List.of(gathered.size(0), gathered.size(1)));
            collectives.barrier();
        } catch (Exception e) {
            throw new AssertionError(backend + " process group failed: " + e.getMessage(), e);
        }
    }
}
