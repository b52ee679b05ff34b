package dev.vae4j.examples.programs;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.losses.VaeGanConfig;
import dev.vae4j.losses.VaeGanObjective;
import dev.vae4j.train.IntervalReport;
import dev.vae4j.train.OptimizerSettings;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.Trainer;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingRun;
import dev.vae4j.train.data.SyntheticImages;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Example: a {@link TrainingListener} of your own. {@link LossCsv} writes each log interval's averaged loss terms to a
 * CSV file (the run logs every step: {@code logEvery(1)}) and prints a line every {@code every} steps. It is attached
 * to a short run that trains a two-level 8/16-channel KL autoencoder on the built-in synthetic images with LDM's
 * objective without LPIPS and GAN (L1 + 1e-6 x KL, summed per pixel over C, H, W and averaged over the batch).
 *
 * <pre>CustomListener OUT_DIR STEPS</pre>
 */
public final class CustomListener {
    private CustomListener() {}

    /** Writes {@code step,lr,seconds,<terms>} per log interval to a CSV file; prints every {@code every} steps. */
    public static final class LossCsv implements TrainingListener {
        private final Path file;
        private final int every;
        private PrintWriter out;

        /**
         * @param file the CSV file to write
         * @param every steps between printed lines
         */
        public LossCsv(Path file, int every) {
            this.file = file;
            this.every = every;
        }

        @Override
        public void onStart(TrainingRun run) {
            try {
                out = new PrintWriter(Files.newBufferedWriter(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
        }

        @Override
        public void onLog(TrainingRun run, IntervalReport report) {
            if (report.firstStep() == 1) {
                out.println("step,lr,seconds," + String.join(",", report.terms().keySet()));
            }
            out.printf(
                    "%d,%g,%.3f,%s%n",
                    report.lastStep(),
                    report.learningRate(),
                    report.seconds(),
                    String.join(
                            ",",
                            report.terms().values().stream()
                                    .map(String::valueOf)
                                    .toList()));
            if (report.lastStep() % every == 0) {
                System.out.printf("step %d: %s%n", report.lastStep(), report.terms());
            }
        }

        @Override
        public void onEnd(TrainingRun run) {
            out.close();
            System.out.println("losses written to " + file);
        }
    }

    /** Runs the example; see the class comment for the arguments. */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: CustomListener OUT_DIR STEPS");
        }
        Path out = Files.createDirectories(Path.of(args[0]));
        AutoencoderKL model = new AutoencoderKL(
                AutoencoderKLConfig.builder(List.of(8, 16), 4).normNumGroups(4).build());
        VaeGanConfig l1AndKl = VaeGanConfig.ldm().toBuilder()
                .perceptualWeight(0)
                .discWeight(0)
                .discFactor(0)
                .build();
        VaeGanObjective objective = new VaeGanObjective(l1AndKl, null);
        TrainConfig config = TrainConfig.builder(Long.parseLong(args[1]), 4, OptimizerSettings.adam(1e-3, 0.5, 0.9))
                .logEvery(1)
                .build();
        Trainer.builder(model, objective, config, out.resolve("checkpoints"))
                .build()
                .train(new SyntheticImages(32, 32, 0, true), List.of(new LossCsv(out.resolve("losses.csv"), 5)));
    }
}
