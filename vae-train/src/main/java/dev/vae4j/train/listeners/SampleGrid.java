package dev.vae4j.train.listeners;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.StepReport;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingRun;
import dev.vae4j.train.data.ImageArray;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * Every {@code every} steps and at the end, writes {@code <run>/samples/step-NNNNNNNN.png}: a grid with the fixed input
 * images in the top row and their posterior-mode reconstructions below.
 */
public final class SampleGrid implements TrainingListener {
    private final List<ImageArray> batch;
    private final long every;

    /**
     * @param batch the images shown (same size; 4 to 8 make a readable grid)
     * @param every steps between grids (0: only at the end)
     */
    public SampleGrid(List<ImageArray> batch, long every) {
        this.batch = List.copyOf(batch);
        this.every = every;
    }

    @Override
    public void onStep(TrainingRun run, StepReport report) {
        if (every > 0 && report.step() % every == 0) {
            write(run);
        }
    }

    @Override
    public void onEnd(TrainingRun run) {
        write(run);
    }

    /** Writes the grid for the current step and returns its path. */
    public Path write(TrainingRun run) {
        Path file = run.runDir()
                .resolve("samples")
                .resolve(String.format("step-%08d.png", run.state().step()));
        try (TensorScope scope = new TensorScope()) {
            Tensor[] pair = Reconstructions.of(
                    run.model(), batch, new Device(run.config().device()));
            int n = (int) pair[0].size(0);
            int h = (int) pair[0].size(2);
            int w = (int) pair[0].size(3);
            BufferedImage grid = new BufferedImage(n * w, 2 * h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = grid.createGraphics();
            for (int i = 0; i < n; i++) {
                g.drawImage(ImageTensors.toImage(pair[0].get(i)), i * w, 0, null);
                g.drawImage(ImageTensors.toImage(pair[1].get(i)), i * w, h, null);
            }
            g.dispose();
            Files.createDirectories(file.getParent());
            ImageTensors.writePng(grid, file);
        } catch (IOException e) {
            throw new FileAccessException("cannot write sample grid " + file + ": " + e.getMessage(), e);
        }
        return file;
    }
}
