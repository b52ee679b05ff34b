package dev.vae4j.recipes;

import dev.vae4j.train.IntervalReport;
import dev.vae4j.train.StepReport;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingRun;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Training progress on the console with elapsed time, ETA and the main loss terms of the latest log interval (with the
 * peak CUDA memory on CUDA): a progress bar redrawn in place on an interactive terminal; in a non-interactive log
 * (output redirected to a file, a CI job, a batch scheduler) one plain line every {@value #LINE_INTERVAL_SECONDS}
 * seconds and at the last step.
 */
public final class ConsoleProgress implements TrainingListener {
    /** Seconds between progress lines in a non-interactive log. */
    public static final int LINE_INTERVAL_SECONDS = 5;

    private static final List<String> SHOWN =
            List.of("rec", "kl", "p", "g", "d_weight", "disc", "quant_loss", "usage", "perplexity");
    private final PrintStream out;
    private final boolean interactive;
    private final LongSupplier clock;
    private ProgressBar bar;
    private long firstStep;
    private long started;
    private long lastLine;
    /** The latest log interval's terms, as shown. */
    private String terms = "";

    /**
     * Draws a bar when the JVM has a console, else prints lines.
     *
     * @param out where progress goes (standard error keeps standard output clean)
     */
    public ConsoleProgress(PrintStream out) {
        this(out, System.console() != null, System::nanoTime);
    }

    /**
     * @param out where progress goes
     * @param interactive whether to redraw a bar in place (else print a line every few seconds)
     * @param clock nanosecond clock of the line interval and ETA
     */
    ConsoleProgress(PrintStream out, boolean interactive, LongSupplier clock) {
        this.out = out;
        this.interactive = interactive;
        this.clock = clock;
    }

    @Override
    public void onStart(TrainingRun run) {
        firstStep = run.state().step();
        started = clock.getAsLong();
        lastLine = started;
        if (interactive) {
            bar = new ProgressBarBuilder()
                    .setTaskName("train " + run.config().steps() + " steps")
                    .setInitialMax(run.config().steps())
                    .setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new ConsoleProgressBarConsumer(out))
                    .setUpdateIntervalMillis(250)
                    .startsFrom(firstStep, java.time.Duration.ZERO)
                    .build();
        }
    }

    @Override
    public void onLog(TrainingRun run, IntervalReport report) {
        StringBuilder shown = new StringBuilder();
        for (String name : SHOWN) {
            Double value = report.terms().get(name);
            if (value != null) {
                shown.append(String.format(Locale.ROOT, " %s=%.4g", name, value));
            }
        }
        if (report.peakCudaBytes() >= 0) {
            shown.append(String.format(Locale.ROOT, " peak_cuda=%.0fMiB", report.peakCudaBytes() / (1024.0 * 1024.0)));
        }
        terms = shown.toString();
        if (interactive) {
            bar.setExtraMessage(terms);
        }
    }

    @Override
    public void onStep(TrainingRun run, StepReport report) {
        StringBuilder extra = new StringBuilder(terms);
        if (report.skipped()) {
            extra.append(" (skipped)");
        }
        if (interactive) {
            bar.stepTo(report.step());
            bar.setExtraMessage(extra.toString());
            return;
        }
        long now = clock.getAsLong();
        long total = run.config().steps();
        if (report.step() >= total || now - lastLine >= LINE_INTERVAL_SECONDS * 1_000_000_000L) {
            lastLine = now;
            double elapsed = (now - started) / 1e9;
            long done = report.step() - firstStep;
            String eta = done <= 0 || report.step() >= total
                    ? ""
                    : ", ETA " + clockTime(elapsed / done * (total - report.step()));
            out.printf(
                    Locale.ROOT,
                    "train step %d/%d (%.0f%%), %s elapsed%s%s%n",
                    report.step(),
                    total,
                    100.0 * report.step() / total,
                    clockTime(elapsed),
                    eta,
                    extra.isEmpty() ? "" : "," + extra);
            out.flush();
        }
    }

    private static String clockTime(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    @Override
    public void onEnd(TrainingRun run) {
        if (bar != null) {
            bar.close();
        }
    }

    @Override
    public void onStop(TrainingRun run, Path checkpoint) {
        onEnd(run);
    }
}
