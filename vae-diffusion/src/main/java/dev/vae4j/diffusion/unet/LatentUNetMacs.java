package dev.vae4j.diffusion.unet;

import dev.vae4j.diffusion.unet.LatentUNetConfig.UpMode;
import java.util.List;

/**
 * The multiply-accumulate arithmetic behind {@link LatentUNetConfig#macs(int)}: {@link LatentUNet}'s layers walked in
 * forward order at the resolution each runs at.
 */
final class LatentUNetMacs {
    private final LatentUNetConfig config;
    private final long hidden;

    private LatentUNetMacs(LatentUNetConfig config) {
        this.config = config;
        this.hidden = (long) config.attentionHeads() * config.attentionHeadDim();
    }

    /** MACs of one forward of one sample on {@code size} x {@code size} latents (validated by the caller). */
    static long count(LatentUNetConfig config, long size) {
        return new LatentUNetMacs(config).total(size);
    }

    private long total(long size) {
        List<Integer> dims = config.dims();
        int levels = config.levels();
        long timeDim = config.timeDim();
        long macs = conv(config.inputChannels(), config.initDim(), 1, size);
        macs += config.imgSize() * timeDim + timeDim * timeDim;
        if (config.classes() > 0) {
            macs += timeDim + timeDim * timeDim;
        }
        long side = size;
        for (int i = 0; i < levels; i++) {
            long in = dims.get(i);
            long out = dims.get(i + 1);
            macs += config.resnetStacks() * resnet(in, in, side) + linearAttention(in, side);
            if (i < levels - 1) {
                side /= config.downKernel();
            }
            macs += conv(in, out, 3, side);
        }
        long mid = dims.get(levels);
        macs += 2 * resnet(mid, mid, side) + attention(mid, side);
        for (int i = 0; i < levels; i++) {
            long in = dims.get(levels - 1 - i);
            long out = dims.get(levels - i);
            macs += config.resnetStacks() * resnet(out + in, out, side) + linearAttention(out, side);
            if (i == levels - 1) {
                macs += conv(out, in, 3, side);
            } else if (config.upMode() == UpMode.CONV) {
                macs += conv(out, in, 4, side);
                side *= 2;
            } else {
                side *= config.upScale();
                macs += conv(out, in, 3, side);
            }
        }
        macs += resnet(2L * config.initDim(), config.imgSize(), side);
        return macs + conv(config.imgSize(), config.outChannels(), 1, side);
    }

    /**
     * A k x k convolution producing (or, transposed, reading) a {@code side} x {@code side} map: {@code in * out * k^2}
     * per pixel.
     */
    private static long conv(long in, long out, long kernel, long side) {
        return in * out * kernel * kernel * side * side;
    }

    /** The time projection (per sample), two 3x3 convs and the 1x1 residual conv when the widths differ. */
    private long resnet(long in, long out, long side) {
        long macs = config.timeDim() * 2 * out + conv(in, out, 3, side) + conv(out, out, 3, side);
        return in == out ? macs : macs + conv(in, out, 1, side);
    }

    /**
     * {@code to_qkv}, the context {@code k v^T} and output {@code context^T q} einsums (n d^2 per head),
     * {@code to_out}.
     */
    private long linearAttention(long channels, long side) {
        long n = side * side;
        long headDim = config.attentionHeadDim();
        return n * channels * 3 * hidden + 2 * config.attentionHeads() * headDim * headDim * n + n * hidden * channels;
    }

    /** {@code to_qkv}, the scores and weighted values ({@code n^2 d} each per head) and {@code to_out}. */
    private long attention(long channels, long side) {
        long n = side * side;
        return n * channels * 3 * hidden + 2 * n * n * hidden + n * hidden * channels;
    }
}
