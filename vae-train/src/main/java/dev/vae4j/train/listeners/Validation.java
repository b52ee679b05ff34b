package dev.vae4j.train.listeners;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.StepReport;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingRun;
import dev.vae4j.train.data.ImageArray;
import dev.vae4j.train.metrics.Psnr;
import dev.vae4j.train.metrics.Ssim;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates on a fixed held-out batch at the start, every {@code every} steps and at the end: PSNR (dB) and SSIM of
 * posterior-mode reconstructions, plus any extra metrics (LPIPS when its weights are given). Results go to the metrics
 * log as {@code "kind":"validation"} records and are kept in {@link #history()}.
 */
public final class Validation implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(Validation.class);

    private final List<ImageArray> batch;
    private final long every;
    private final Map<String, ImageMetric> extra;
    private final MetricsLog log;
    private final List<Map<String, Double>> history = new ArrayList<>();

    /**
     * @param batch held-out images (same size)
     * @param every steps between validations (0: only start and end)
     * @param extra further metrics by name (e.g. {@code lpips})
     * @param log where records are appended (may be null)
     */
    public Validation(List<ImageArray> batch, long every, Map<String, ImageMetric> extra, MetricsLog log) {
        this.batch = List.copyOf(batch);
        this.every = every;
        this.extra = new LinkedHashMap<>(extra);
        this.log = log;
    }

    /** Every validation so far, oldest first, each with {@code step}, {@code psnr}, {@code ssim} and the extras. */
    public List<Map<String, Double>> history() {
        return history;
    }

    @Override
    public void onStart(TrainingRun run) {
        validate(run);
    }

    @Override
    public void onStep(TrainingRun run, StepReport report) {
        if (every > 0
                && report.step() % every == 0
                && report.step() < run.config().steps()) {
            validate(run);
        }
    }

    @Override
    public void onEnd(TrainingRun run) {
        validate(run);
    }

    /** Validates the model now and records the result. */
    public Map<String, Double> validate(TrainingRun run) {
        Map<String, Double> values = new LinkedHashMap<>();
        try (TensorScope scope = new TensorScope()) {
            Tensor[] pair = Reconstructions.of(
                    run.model(), batch, new Device(run.config().device()));
            values.put("psnr", Psnr.mean(pair[0], pair[1]));
            values.put("ssim", Ssim.mean(pair[0], pair[1]));
            extra.forEach((name, metric) -> values.put(name, metric.mean(pair[0], pair[1])));
        }
        long step = run.state().step();
        LOG.info("validation at step {}: {}", step, values);
        if (log != null) {
            log.append("validation", step, values);
        }
        Map<String, Double> entry = new LinkedHashMap<>();
        entry.put("step", (double) step);
        entry.putAll(values);
        history.add(entry);
        return values;
    }
}
