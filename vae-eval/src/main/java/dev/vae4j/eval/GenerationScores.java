package dev.vae4j.eval;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of one {@link GenerationEvaluator#evaluate} run. Holds no tensors.
 *
 * @param latentFrechetDistance the latent Frechet distance between generated and real latents
 *     ({@link dev.vae4j.train.metrics.LatentFrechetDistance}, in the cache's normalised latent space)
 * @param generated latents generated (all ranks)
 * @param real real latents read from the cache (all ranks)
 * @param fid the generation FID of the decoded samples against the decoded real latents, or NaN when no autoencoder and
 *     Inception weights were given ({@code fidMissingBecause} says why)
 * @param fidReferenceFrom the statistics file the FID reference was read from, or null when computed in this run
 * @param fidMissingBecause why {@code fid} is NaN, or null
 * @param seconds wall time of the evaluation
 */
public record GenerationScores(
        double latentFrechetDistance,
        long generated,
        long real,
        double fid,
        Path fidReferenceFrom,
        String fidMissingBecause,
        double seconds) {

    /** The scores by metric name for a metrics log: {@code latent_fd}, and {@code gfid} when computed. */
    public Map<String, Double> metrics() {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("latent_fd", latentFrechetDistance);
        if (fidMissingBecause == null) {
            out.put("gfid", fid);
        }
        return out;
    }
}
