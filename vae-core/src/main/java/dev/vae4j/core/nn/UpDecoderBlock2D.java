package dev.vae4j.core.nn;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers {@code UpDecoderBlock2D}: {@code layers} resnets (the first changes the channel count),
 * then an optional {@link Upsample2D}. (N, in, H, W) -> (N, out, 2H, 2W), or (N, out, H, W) for the
 * last block. Parameter names: {@code resnets.j.*}, {@code upsamplers.0.conv.*}.
 */
public final class UpDecoderBlock2D extends Module {
    private final IndexedModules<ResnetBlock2D> resnets;
    private final IndexedModules<Upsample2D> upsamplers;

    /**
     * @param in input channels
     * @param out output channels
     * @param layers resnets in the block
     * @param groups GroupNorm groups
     * @param eps GroupNorm epsilon
     * @param upsample whether the block doubles the resolution
     */
    public UpDecoderBlock2D(long in, long out, int layers, long groups, double eps, boolean upsample) {
        resnets = register_module("resnets", new IndexedModules<>());
        for (int j = 0; j < layers; j++) {
            resnets.add(new ResnetBlock2D(j == 0 ? in : out, out, groups, eps));
        }
        upsamplers = upsample ? register_module("upsamplers", new IndexedModules<>()) : null;
        if (upsamplers != null) {
            upsamplers.add(new Upsample2D(out));
        }
    }

    /** (N, in, H, W) -> (N, out, H', W'). */
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (ResnetBlock2D resnet : resnets.list()) {
            h = resnet.forward(h);
        }
        return upsamplers == null ? h : upsamplers.get(0).forward(h);
    }
}
