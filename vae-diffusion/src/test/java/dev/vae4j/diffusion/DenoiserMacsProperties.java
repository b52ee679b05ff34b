package dev.vae4j.diffusion;

import dev.vae4j.diffusion.dit.DiTConfig;
import dev.vae4j.diffusion.unet.LatentUNetConfig;
import dev.vae4j.diffusion.unet.LatentUNetConfig.UpMode;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Invariants of the analytic MAC counts ({@link DiTConfig#macs(int)}, {@link LatentUNetConfig#macs(int)}) over
 * configurations the fixtures do not cover.
 */
class DenoiserMacsProperties {

    /** DiT's MACs depend on the heads only through the token width: 2 x 32 counts as 4 x 16 and 8 x 8. */
    @Property(tries = 30)
    boolean ditMacsDependOnTheTokenWidthOnly(
            @ForAll @IntRange(min = 1, max = 3) int layers,
            @ForAll @IntRange(min = 1, max = 2) int patch,
            @ForAll @IntRange(min = 1, max = 8) int sidePatches) {
        int side = patch * sidePatches;
        long macs = dit(2, 32, layers, patch).macs(side);
        return macs == dit(4, 16, layers, patch).macs(side)
                && macs == dit(8, 8, layers, patch).macs(side);
    }

    /** Every block costs the same: the count is affine in the number of layers. */
    @Property(tries = 30)
    boolean ditMacsAreAffineInTheLayers(
            @ForAll @IntRange(min = 1, max = 6) int layers, @ForAll @IntRange(min = 1, max = 8) int sidePatches) {
        int side = 2 * sidePatches;
        long one = dit(2, 8, layers, 2).macs(side);
        long two = dit(2, 8, layers + 1, 2).macs(side);
        long three = dit(2, 8, layers + 2, 2).macs(side);
        return three - two == two - one && two > one;
    }

    /**
     * The count is quadratic in the token count N with leading coefficient {@code 2 * layers * d} (the attention's
     * scores and values, {@code N^2 d} each per block; everything else is linear in N or per sample): the second
     * divided difference over three latent sizes is that coefficient.
     */
    @Property(tries = 30)
    boolean ditMacsAreQuadraticInTheTokensThroughTheAttention(
            @ForAll @IntRange(min = 1, max = 4) int layers,
            @ForAll @IntRange(min = 1, max = 6) int sidePatches,
            @ForAll @IntRange(min = 1, max = 3) int step) {
        DiTConfig config = dit(2, 8, layers, 2);
        long[] tokens = new long[3];
        long[] macs = new long[3];
        for (int i = 0; i < 3; i++) {
            long side = sidePatches + (long) i * step;
            tokens[i] = side * side;
            macs[i] = config.macs((int) (2 * side));
        }
        long lhs = (macs[2] - macs[1]) * (tokens[1] - tokens[0]) - (macs[1] - macs[0]) * (tokens[2] - tokens[1]);
        long coefficient = 2L * layers * config.innerDim();
        return lhs == coefficient * (tokens[2] - tokens[0]) * (tokens[2] - tokens[1]) * (tokens[1] - tokens[0]);
    }

    /** A label embedding adds its two linears once per sample ({@code timeDim + timeDim^2}), whatever the classes. */
    @Property(tries = 30)
    boolean unetLabelsAddTheLabelMlpOnce(
            @ForAll @IntRange(min = 1, max = 1000) int classes,
            @ForAll @IntRange(min = 1, max = 4) int timeQuarter,
            @ForAll @IntRange(min = 1, max = 4) int sideMultiple) {
        int timeDim = 4 * timeQuarter;
        int side = 4 * sideMultiple;
        long without = unet(UpMode.NEAREST, timeDim, 0).macs(side);
        long with = unet(UpMode.NEAREST, timeDim, classes).macs(side);
        return with - without == timeDim + (long) timeDim * timeDim;
    }

    /** The interpolating upsamplers cost the same (interpolation is not counted; the conv after it is). */
    @Property(tries = 20)
    boolean unetInterpolationModesCountAlike(@ForAll @IntRange(min = 1, max = 6) int sideMultiple) {
        int side = 4 * sideMultiple;
        long nearest = unet(UpMode.NEAREST, 16, 0).macs(side);
        return nearest == unet(UpMode.BILINEAR, 16, 0).macs(side)
                && nearest == unet(UpMode.BICUBIC, 16, 0).macs(side);
    }

    private static DiTConfig dit(int heads, int headDim, int layers, int patch) {
        return DiTConfig.builder(heads, headDim, layers).size(8, patch).build();
    }

    private static LatentUNetConfig unet(UpMode mode, int timeDim, int classes) {
        return LatentUNetConfig.builder(8)
                .channels(4, 4)
                .initDim(4)
                .dimMults(List.of(1, 2, 2))
                .timeDim(timeDim)
                .resnetGroups(2)
                .classes(classes)
                .upMode(mode)
                .attention(2, 4)
                .build();
    }
}
