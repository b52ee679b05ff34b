package dev.vae4j.discriminators;

import java.util.Set;

/**
 * Configuration of open-LiteVAE's GigaGAN-style multi-scale discriminator ({@code olvae/modules/gigagan/vae_disc.py},
 * unconditional: {@code embedding_channels=None}). Level l (0-based) halves the nominal size s = imageSize / 2^(l+1)
 * and has ch = min(baseChannels / s, maxChannels) channels; there are log2(imageSize) - 2 levels and a final 2x2
 * patch-embedding block with a global predictor.
 *
 * @param inChannels image channels (3)
 * @param imageSize the largest input side the levels are built for (power of two, 256)
 * @param baseChannels C_base (4096)
 * @param maxChannels C_max (256)
 * @param convBlocks extra 3x3 conv + BN + LReLU per level after the stride-2 conv (1: "2 blocks" per level counting the
 *     stride-2 conv, the reading that gives 14.35 M parameters)
 * @param predLayers 1x1 filter-bank conv layers per predictor (4)
 * @param attentionResolutions nominal sizes s that get a spatial transformer ({8, 16})
 * @param headDim attention head width (64; heads = ch / headDim)
 * @param attnResGain weight of the transformer's residual input (0.5)
 */
public record GigaGanConfig(
        int inChannels,
        int imageSize,
        int baseChannels,
        int maxChannels,
        int convBlocks,
        int predLayers,
        Set<Integer> attentionResolutions,
        int headDim,
        double attnResGain) {
    /** Validates the fields. */
    public GigaGanConfig {
        if (imageSize < 8 || Integer.bitCount(imageSize) != 1) {
            throw new IllegalArgumentException("GigaGAN imageSize must be a power of two >= 8, got " + imageSize);
        }
        if (inChannels <= 0
                || baseChannels <= 0
                || maxChannels <= 0
                || convBlocks < 0
                || predLayers < 1
                || headDim <= 0) {
            throw new IllegalArgumentException("GigaGAN sizes must be positive, got " + inChannels + ", " + baseChannels
                    + ", " + maxChannels + ", " + convBlocks + ", " + predLayers + ", " + headDim);
        }
        attentionResolutions = Set.copyOf(attentionResolutions);
    }

    /** open-LiteVAE's README configuration: 256, C_base 4096, C_max 256, attention at 8 and 16 (14.35 M params). */
    public static GigaGanConfig openLiteVae() {
        return new GigaGanConfig(3, 256, 4096, 256, 1, 4, Set.of(8, 16), 64, 0.5);
    }

    /**
     * A builder starting from this configuration, e.g.
     * {@code GigaGanConfig.openLiteVae().toBuilder().imageSize(64).baseChannels(512).build()}.
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Number of levels, log2(imageSize) - 2. */
    public int levels() {
        return Integer.numberOfTrailingZeros(imageSize) - 2;
    }

    /** Channels of level {@code level}; {@code level == levels()} gives the final block's width. */
    public long channels(int level) {
        long s = Math.max(1, imageSize >> Math.min(level + 1, levels()));
        return Math.min(baseChannels / s, maxChannels);
    }

    /** The nominal size s of level {@code level}. */
    public int nominalSize(int level) {
        return imageSize >> (level + 1);
    }

    /** Builds a {@link GigaGanConfig} by name; {@link #build()} validates like the record's constructor. */
    public static final class Builder {
        private int inChannels;
        private int imageSize;
        private int baseChannels;
        private int maxChannels;
        private int convBlocks;
        private int predLayers;
        private Set<Integer> attentionResolutions;
        private int headDim;
        private double attnResGain;

        private Builder(GigaGanConfig from) {
            inChannels = from.inChannels;
            imageSize = from.imageSize;
            baseChannels = from.baseChannels;
            maxChannels = from.maxChannels;
            convBlocks = from.convBlocks;
            predLayers = from.predLayers;
            attentionResolutions = from.attentionResolutions;
            headDim = from.headDim;
            attnResGain = from.attnResGain;
        }

        /** Image channels. */
        public Builder inChannels(int value) {
            inChannels = value;
            return this;
        }

        /** The largest input side the levels are built for (a power of two). */
        public Builder imageSize(int value) {
            imageSize = value;
            return this;
        }

        /** C_base. */
        public Builder baseChannels(int value) {
            baseChannels = value;
            return this;
        }

        /** C_max. */
        public Builder maxChannels(int value) {
            maxChannels = value;
            return this;
        }

        /** Extra 3x3 conv blocks per level after the stride-2 conv. */
        public Builder convBlocks(int value) {
            convBlocks = value;
            return this;
        }

        /** 1x1 filter-bank conv layers per predictor. */
        public Builder predLayers(int value) {
            predLayers = value;
            return this;
        }

        /** Nominal sizes that get a spatial transformer. */
        public Builder attentionResolutions(Set<Integer> value) {
            attentionResolutions = value;
            return this;
        }

        /** Attention head width. */
        public Builder headDim(int value) {
            headDim = value;
            return this;
        }

        /** Weight of the transformer's residual input. */
        public Builder attnResGain(double value) {
            attnResGain = value;
            return this;
        }

        /** The configuration. */
        public GigaGanConfig build() {
            return new GigaGanConfig(
                    inChannels,
                    imageSize,
                    baseChannels,
                    maxChannels,
                    convBlocks,
                    predLayers,
                    attentionResolutions,
                    headDim,
                    attnResGain);
        }
    }
}
