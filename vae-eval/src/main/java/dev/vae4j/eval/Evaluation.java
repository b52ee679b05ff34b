package dev.vae4j.eval;

import dev.vae4j.core.quant.CodebookUsage;
import dev.vae4j.train.metrics.Ssim;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of one {@link ReconstructionEvaluator#evaluate} run: per-image PSNR (dB), SSIM and LPIPS statistics, the
 * set's rFID, latent statistics, the worst reconstructions and, for VQ models, codebook usage. Holds no tensors.
 *
 * @param images images evaluated
 * @param border the SSIM border handling used
 * @param psnr per-image PSNR, dB
 * @param ssim per-image SSIM
 * @param lpips per-image LPIPS, or null when no LPIPS weights were given
 * @param lpipsWeights the LPIPS weights file, or null
 * @param rfid the set's rFID, or why it is missing
 * @param latents per-channel statistics of the normalised latents
 * @param latentSpace the normalisation of the latents, {@code (z - shift) * scale}
 * @param worst the lowest-PSNR reconstructions
 * @param seconds wall time of the evaluation
 * @param codebook the codebook usage and perplexity over the set for a model with a quantizer (a VQ model), or null
 */
public record Evaluation(
        int images,
        Ssim.Border border,
        RunningStats psnr,
        RunningStats ssim,
        RunningStats lpips,
        Path lpipsWeights,
        Rfid rfid,
        LatentStats latents,
        String latentSpace,
        WorstReconstructions worst,
        double seconds,
        CodebookUsage codebook) {

    /**
     * rFID of the set.
     *
     * @param value the Frechet distance (NaN when not computed)
     * @param images images whose features were compared
     * @param cachedFrom the file the originals' statistics were read from, or null when computed in this run
     * @param missingBecause why rFID was not computed, or null when it was
     */
    public record Rfid(double value, long images, Path cachedFrom, String missingBecause) {}

    /**
     * A report holding this evaluation's metrics with their definitions, notes on those not computed and the
     * {@code images} and {@code seconds} facts; callers add their own facts (model, data, ...).
     */
    public EvalReport report() {
        EvalReport report = new EvalReport();
        report.fact("images", images);
        report.fact("seconds", seconds);
        report.metric("psnr", psnr, "dB per image, images mapped from [-1, 1] to [0, 1], data range 1 (skimage)");
        report.metric(
                "ssim",
                ssim,
                border == Ssim.Border.VALID
                        ? "Gaussian 11/1.5, K 0.01/0.03, valid window, data range 1 (pytorch-msssim)"
                        : "Gaussian 11/1.5, K 0.01/0.03, reflect-padded by 5, data range 1 (torchmetrics >= 1.5)");
        if (lpips != null) {
            report.metric("lpips", lpips, "LPIPS VGG v0.1 from " + lpipsWeights);
        } else {
            report.note("LPIPS not computed: no LPIPS weights given");
        }
        if (rfid.missingBecause() != null) {
            report.note("rFID not computed: " + rfid.missingBecause());
        } else {
            report.scalar(
                    "rfid",
                    rfid.value(),
                    "pytorch-fid InceptionV3 pool3 (2048-d), originals vs "
                            + "reconstructions, " + rfid.images() + " images"
                            + (rfid.cachedFrom() != null ? ", reference statistics from " + rfid.cachedFrom() : ""));
        }
        if (codebook != null) {
            report.scalar(
                    "codebook_usage",
                    codebook.usedFraction(),
                    "fraction of the " + codebook.codebookSize() + " codes used by the set's latents");
            report.scalar(
                    "codebook_perplexity",
                    codebook.perplexity(),
                    "exp(entropy) of the set's code frequencies (1 to " + codebook.codebookSize() + ")");
        }
        return report;
    }

    /**
     * The headline numbers: mean {@code psnr} (dB), {@code ssim}, {@code lpips} and {@code rfid}, those computed, and
     * {@code codebook_usage} and {@code codebook_perplexity} for a VQ model.
     */
    public Map<String, Double> summary() {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("psnr", psnr.mean());
        values.put("ssim", ssim.mean());
        if (lpips != null) {
            values.put("lpips", lpips.mean());
        }
        if (rfid.missingBecause() == null) {
            values.put("rfid", rfid.value());
        }
        if (codebook != null) {
            values.put("codebook_usage", codebook.usedFraction());
            values.put("codebook_perplexity", codebook.perplexity());
        }
        return values;
    }

    /** Writes {@code report} (made by {@link #report()}, facts added) with the latent statistics as JSON. */
    public void writeJson(EvalReport report, Path file) {
        report.writeJson(file, latents, ReconstructionEvaluator.HISTOGRAM_RANGE, latentSpace);
    }
}
