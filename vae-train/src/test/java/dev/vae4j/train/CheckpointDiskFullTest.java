package dev.vae4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint written to a full disk (a 1 MiB tmpfs: needs root, skipped elsewhere) fails with a Java exception, not a
 * libtorch abort, and leaves the previous checkpoint complete and loadable with no partial folder behind. Optimizer
 * state round-trips through the in-memory archive.
 */
class CheckpointDiskFullTest {
    @TempDir
    Path dir;

    private static boolean run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    @Test
    void aFullDiskFailsTheSaveAndKeepsThePreviousCheckpoint() throws IOException, InterruptedException {
        Path disk = Files.createDirectories(dir.resolve("disk"));
        Assumptions.assumeTrue(
                run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", disk.toString()), "mounting a tmpfs needs root");
        try (TensorScope scope = new TensorScope()) {
            AutoencoderKL model = new AutoencoderKL(TrainerTest.modelConfig());
            List<Tensor> parameters = List.of(model.parameters().get());
            Optimizer adam = OptimizerSettings.adam(1e-3, 0.9, 0.99).create(parameters);
            Tensor loss = parameters.get(0).square().sum();
            for (Tensor p : parameters.subList(1, parameters.size())) {
                loss = loss.add(p.square().sum());
            }
            loss.backward();
            adam.step();
            CheckpointStore store = new CheckpointStore(disk, 3);
            CheckpointStore.Parts parts = new CheckpointStore.Parts(model, null, null, adam, null, List.of());
            Path first = store.save(new TrainingState(1, 0, 0, 1.0, 4), parts);
            FileAccessException e = assertThrows(
                    FileAccessException.class, () -> store.save(new TrainingState(2, 0, 0, 2.0, 8), parts));
            assertTrue(
                    e.getMessage().contains("step-00000002") && e.getMessage().contains("No space left"),
                    e.getMessage());
            assertEquals(first, CheckpointStore.latest(disk).orElseThrow());
            try (Stream<Path> entries = Files.list(disk.resolve("checkpoints"))) {
                assertEquals(List.of(first), entries.toList(), "no partial checkpoint is left");
            }
            float[] before = values(parameters.get(0));
            AutoencoderKL restoredModel = new AutoencoderKL(TrainerTest.modelConfig());
            Optimizer restoredAdam = OptimizerSettings.adam(1e-3, 0.9, 0.99)
                    .create(List.of(restoredModel.parameters().get()));
            TrainingState state = CheckpointStore.load(
                    first, new CheckpointStore.Parts(restoredModel, null, null, restoredAdam, null, List.of()));
            assertEquals(1, state.step());
            assertArrayEquals(before, values(restoredModel.parameters().get()[0]));
        } finally {
            run("umount", "-l", disk.toString()); // lazily: memory-mapped weights may still be open
        }
    }

    private static float[] values(Tensor t) {
        Tensor c = t.detach().contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }
}
