package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --device} of the commands that run a model: cpu runs, bad names are usage errors, absent CUDA is named. */
class DeviceOptionTest {
    @Test
    void reconstructRunsOnTheCpuDevice(@TempDir Path tmp) {
        Path model = CliTestSupport.saveTestModel(tmp.resolve("model"));
        Path png = CliTestSupport.writeImage(tmp.resolve("a.png"), 16, 16, 1);
        CliTestSupport.run(
                        "reconstruct",
                        "--model",
                        model.toString(),
                        "--input",
                        png.toString(),
                        "--output",
                        tmp.resolve("out.png").toString(),
                        "--device",
                        "CPU")
                .assertOk();
        assertTrue(Files.isRegularFile(tmp.resolve("out.png")));
    }

    @Test
    void anUnknownDeviceIsAUsageError(@TempDir Path tmp) {
        for (String command : new String[] {"encode", "decode", "reconstruct", "evaluate"}) {
            CliTestSupport.run(command, "--device", "tpu", "--help")
                    .assertUsageError("--device must be cpu, cuda or cuda:N, got 'tpu'");
        }
    }

    @Test
    void cudaWithoutCudaIsAOneLineError(@TempDir Path tmp) {
        assumeFalse(torch.cuda_is_available(), "this machine has CUDA");
        Path model = CliTestSupport.saveTestModel(tmp.resolve("model"));
        Path png = CliTestSupport.writeImage(tmp.resolve("a.png"), 16, 16, 1);
        CliTestSupport.run(
                        "reconstruct",
                        "--model",
                        model.toString(),
                        "--input",
                        png.toString(),
                        "--output",
                        tmp.resolve("out.png").toString(),
                        "--device",
                        "cuda")
                .assertOneLineError("--device cuda", "CUDA is not available");
    }
}
