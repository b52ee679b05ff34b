package dev.vae4j.eval;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.model.InferenceOptions;
import dev.vae4j.core.tensor.Precision;
import dev.vae4j.train.StepReport;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingRun;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.listeners.MetricsLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates the model being trained on a validation image folder every {@code every} steps and after the last step
 * (unless that step was just evaluated), with the same {@link ReconstructionEvaluator} as {@code vae evaluate}: PSNR
 * (dB) and SSIM always, LPIPS and rFID when the evaluator has their weights. Each evaluation is logged, appended to the
 * metrics log as {@code {"kind":"evaluation","step":..,"psnr":..,"ssim":..[,"lpips":..][,"rfid":..]}} and written to
 * {@code <run>/eval/eval-NNNNNNNN.json} (the layout of {@code vae evaluate}'s {@code eval.json}). The Inception
 * statistics of the validation images are computed at the first evaluation and cached in
 * {@code <run>/eval/reference-stats.safetensors}, which later evaluations (and resumed runs) read.
 *
 * <p>In a data-parallel job every rank has this listener with the job's {@link Collectives}: the ranks share the images
 * (see {@link ReconstructionEvaluator}) and rank 0 alone logs and writes.
 */
public final class PeriodicEvaluation implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(PeriodicEvaluation.class);
    /** Folder of the run that receives the evaluation files. */
    public static final String FOLDER = "eval";
    /** Name of the cached rFID reference statistics inside {@link #FOLDER}. */
    public static final String REFERENCE_STATS = "reference-stats.safetensors";

    /** The model under training is evaluated as it is: float32, weights left in their layout. */
    private static final InferenceOptions TRAINING_LAYOUT = new InferenceOptions(Precision.FP32, false);

    private final ReconstructionEvaluator evaluator;
    private final EvaluationSet images;
    private final int batchSize;
    private final long every;
    private final MetricsLog log;
    private final Collectives collectives;
    private long lastEvaluated = -1;

    /**
     * @param evaluator the metrics (with the LPIPS and Inception networks it was given); the listener uses it for the
     *     whole run and closes it at the end
     * @param images the validation images
     * @param batchSize images per forward pass
     * @param every steps between evaluations (at least 1)
     * @param log where records are appended
     * @param collectives the ranks sharing each evaluation ({@link Collectives#single()} for one process)
     */
    public PeriodicEvaluation(
            ReconstructionEvaluator evaluator,
            EvaluationSet images,
            int batchSize,
            long every,
            MetricsLog log,
            Collectives collectives) {
        if (every < 1 || batchSize < 1) {
            throw new IllegalArgumentException("evaluation needs every >= 1 and batch size >= 1, got every " + every
                    + ", batch size " + batchSize);
        }
        this.evaluator = evaluator;
        this.images = images;
        this.batchSize = batchSize;
        this.every = every;
        this.log = log;
        this.collectives = collectives;
    }

    @Override
    public void onStep(TrainingRun run, StepReport report) {
        if (report.step() % every == 0) {
            evaluate(run);
        }
    }

    @Override
    public void onEnd(TrainingRun run) {
        try {
            if (run.state().step() != lastEvaluated) {
                evaluate(run);
            }
        } finally {
            evaluator.close();
        }
    }

    /**
     * Evaluates the model now (together with the other ranks), records the result and returns the
     * {@code eval-NNNNNNNN.json} written, or null on ranks other than 0.
     */
    public Path evaluate(TrainingRun run) {
        long step = run.state().step();
        lastEvaluated = step;
        Path folder = run.runDir().resolve(FOLDER);
        boolean writer = collectives.context().writer();
        if (writer) {
            createFolder(folder);
        }
        Evaluation evaluation = evaluator.evaluate(
                run.model(),
                images.dataset(),
                EvaluationOptions.defaults()
                        .withInference(TRAINING_LAYOUT)
                        .withDevice(new Device(run.config().device()))
                        .withBatchSize(batchSize)
                        .withReferenceStats(folder.resolve(REFERENCE_STATS), images.cacheKey())
                        .withCollectives(collectives));
        if (!writer) {
            return null;
        }
        Map<String, Double> summary = evaluation.summary();
        StringBuilder numbers = new StringBuilder();
        summary.forEach((name, value) -> numbers.append(String.format(Locale.ROOT, " %s %.4f", name, value)));
        LOG.info(String.format(
                Locale.ROOT,
                "evaluation at step %d on %d images of %s:%s (%.1f s)",
                step,
                evaluation.images(),
                images.folder(),
                numbers,
                evaluation.seconds()));
        log.append("evaluation", step, summary);
        EvalReport report = evaluation.report();
        report.fact("step", step);
        report.fact("data", images.folder().toString());
        report.fact("size", images.size());
        report.fact("crop", "center");
        report.fact("posterior", "mode");
        Path file = folder.resolve(String.format(Locale.ROOT, "eval-%08d.json", step));
        evaluation.writeJson(report, file);
        return file;
    }

    private static void createFolder(Path folder) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new FileAccessException("cannot create evaluation folder " + folder + ": " + e.getMessage(), e);
        }
    }
}
