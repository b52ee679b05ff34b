package dev.vae4j.examples.train;

import dev.vae4j.core.train.StepReport;
import dev.vae4j.core.train.TrainingListener;
import dev.vae4j.core.train.TrainingRun;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A console progress bar over the run's steps with elapsed time, ETA and the main loss terms of the last step.
 */
public final class ConsoleProgress implements TrainingListener {
    private static final List<String> SHOWN = List.of("rec", "kl", "p", "g", "d_weight", "disc");
    private final PrintStream out;
    private ProgressBar bar;

    /** @param out where the bar is drawn (standard error keeps standard output clean) */
    public ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onStart(TrainingRun run) {
        bar = new ProgressBarBuilder().setTaskName("train " + run.config().steps() + " steps")
                .setInitialMax(run.config().steps()).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(out)).setUpdateIntervalMillis(250)
                .startsFrom(run.state().step(), java.time.Duration.ZERO).build();
    }

    @Override
    public void onStep(TrainingRun run, StepReport report) {
        StringBuilder extra = new StringBuilder();
        for (String name : SHOWN) {
            Double value = report.terms().get(name);
            if (value != null) {
                extra.append(String.format(Locale.ROOT, " %s=%.4g", name, value));
            }
        }
        if (report.skipped()) {
            extra.append(" (skipped)");
        }
        bar.stepTo(report.step());
        bar.setExtraMessage(extra.toString());
    }

    @Override
    public void onEnd(TrainingRun run) {
        if (bar != null) {
            bar.close();
        }
    }
}
