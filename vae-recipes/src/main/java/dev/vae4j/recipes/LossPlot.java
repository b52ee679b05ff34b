package dev.vae4j.recipes;

import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.train.IntervalReport;
import dev.vae4j.train.StepReport;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Writes {@code <run>/loss.png}, a line chart of the logged loss terms (one point per log interval) over the steps of
 * this process (log-scale y axis for positive terms), every {@code every} steps and at the end.
 */
public final class LossPlot implements TrainingListener {
    private static final List<String> PLOTTED = List.of("rec", "p", "nll", "g", "disc");
    private final long every;
    private final Map<String, List<double[]>> series = new LinkedHashMap<>();

    /** @param every steps between redraws (0: only at the end) */
    public LossPlot(long every) {
        this.every = every;
    }

    @Override
    public void onLog(TrainingRun run, IntervalReport report) {
        for (String name : PLOTTED) {
            Double value = report.terms().get(name);
            if (value != null && Double.isFinite(value) && value > 0) {
                series.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {report.lastStep(), value});
            }
        }
    }

    @Override
    public void onStep(TrainingRun run, StepReport report) {
        if (every > 0 && report.step() % every == 0) {
            write(run.runDir().resolve("loss.png"));
        }
    }

    @Override
    public void onEnd(TrainingRun run) {
        write(run.runDir().resolve("loss.png"));
    }

    /** Draws the chart to {@code file} (PNG). */
    public void write(Path file) {
        if (series.isEmpty()) {
            return;
        }
        XYChart chart = new XYChartBuilder()
                .width(800)
                .height(480)
                .title("training losses")
                .xAxisTitle("step")
                .yAxisTitle("loss")
                .build();
        chart.getStyler().setYAxisLogarithmic(true);
        series.forEach((name, points) -> {
            double[] x = new double[points.size()];
            double[] y = new double[points.size()];
            for (int i = 0; i < points.size(); i++) {
                x[i] = points.get(i)[0];
                y[i] = points.get(i)[1];
            }
            chart.addSeries(name, x, y).setMarker(SeriesMarkers.NONE);
        });
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }
}
