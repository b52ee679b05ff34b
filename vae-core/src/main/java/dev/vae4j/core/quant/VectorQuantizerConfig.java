package dev.vae4j.core.quant;

import java.util.Optional;

/**
 * The options of a {@link VectorQuantizer}; build with {@link #builder(long, long)}.
 *
 * @param codebookSize the number of codes K (taming's {@code n_e}), >= 1
 * @param dim the code and latent channel dimension C (taming's {@code e_dim}), >= 1
 * @param beta the commitment weight (taming's {@code beta}), >= 0
 * @param legacy taming's {@code legacy}: true puts beta on the codebook term (the historical placement of taming and
 *     LDM checkpoints), false on the commitment term; ignored with {@link #ema()} (its loss is the commitment term)
 * @param cosine l2-normalise latents and codes before the nearest-code search, so codes are unit vectors (cosine
 *     similarity search)
 * @param remap taming's index remapping, if any
 * @param ema EMA codebook updates in training mode instead of gradients, if any
 * @param restartAfterSteps re-seed codes unused for this many consecutive training steps from the batch's latents (0:
 *     never)
 * @param seed the seed of the quantizer's generator (initial codes, random unknown indices, restarts)
 */
public record VectorQuantizerConfig(
        long codebookSize,
        long dim,
        double beta,
        boolean legacy,
        boolean cosine,
        Optional<IndexRemap> remap,
        Optional<EmaUpdate> ema,
        long restartAfterSteps,
        long seed) {

    /** Checks the ranges and that remapped codes lie in the codebook. */
    public VectorQuantizerConfig {
        if (codebookSize < 1 || dim < 1) {
            throw new IllegalArgumentException(
                    "vector quantizer: codebook " + codebookSize + " x " + dim + " (both must be >= 1)");
        }
        if (!(beta >= 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("vector quantizer: beta " + beta + " (must be finite and >= 0)");
        }
        if (restartAfterSteps < 0) {
            throw new IllegalArgumentException(
                    "vector quantizer: restartAfterSteps " + restartAfterSteps + " (must be >= 0)");
        }
        if (remap == null || ema == null) {
            throw new IllegalArgumentException("vector quantizer: remap and ema must be Optional, not null");
        }
        for (long code : remap.map(IndexRemap::used).orElse(new long[0])) {
            if (code >= codebookSize) {
                throw new IllegalArgumentException(
                        "vector quantizer: remapped code " + code + " outside the codebook [0, " + codebookSize + ")");
            }
        }
    }

    /** The indices {@link VectorQuantizer#quantize} returns range over: K, or the remap's range. */
    public long indexRange() {
        return remap.map(IndexRemap::indexRange).orElse(codebookSize);
    }

    /**
     * A builder with taming's defaults: beta 0.25, legacy placement, no remap, gradient updates, no restarts, seed 0.
     */
    public static Builder builder(long codebookSize, long dim) {
        return new Builder(codebookSize, dim);
    }

    /** Builds a {@link VectorQuantizerConfig}. */
    public static final class Builder {
        private final long codebookSize;
        private final long dim;
        private double beta = 0.25;
        private boolean legacy = true;
        private boolean cosine;
        private IndexRemap remap;
        private EmaUpdate ema;
        private long restartAfterSteps;
        private long seed;

        private Builder(long codebookSize, long dim) {
            this.codebookSize = codebookSize;
            this.dim = dim;
        }

        /** The commitment weight. */
        public Builder beta(double value) {
            beta = value;
            return this;
        }

        /** taming's {@code legacy} beta placement. */
        public Builder legacy(boolean value) {
            legacy = value;
            return this;
        }

        /** Cosine (l2-normalised) codes. */
        public Builder cosine(boolean value) {
            cosine = value;
            return this;
        }

        /** taming's index remapping. */
        public Builder remap(IndexRemap value) {
            remap = value;
            return this;
        }

        /** EMA codebook updates. */
        public Builder ema(EmaUpdate value) {
            ema = value;
            return this;
        }

        /** Dead-code restarts after this many unused training steps (0: off). */
        public Builder restartAfterSteps(long value) {
            restartAfterSteps = value;
            return this;
        }

        /** The generator's seed. */
        public Builder seed(long value) {
            seed = value;
            return this;
        }

        /** The configuration. */
        public VectorQuantizerConfig build() {
            return new VectorQuantizerConfig(
                    codebookSize,
                    dim,
                    beta,
                    legacy,
                    cosine,
                    Optional.ofNullable(remap),
                    Optional.ofNullable(ema),
                    restartAfterSteps,
                    seed);
        }
    }
}
