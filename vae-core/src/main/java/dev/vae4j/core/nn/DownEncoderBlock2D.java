package dev.vae4j.core.nn;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers {@code DownEncoderBlock2D}: {@code layers} resnets (the first changes the channel count),
 * then an optional {@link Downsample2D}. (N, in, H, W) -> (N, out, H/2, W/2), or (N, out, H, W) for the
 * last block. Parameter names: {@code resnets.j.*}, {@code downsamplers.0.conv.*}.
 */
public final class DownEncoderBlock2D extends Module {
    private final IndexedModules<ResnetBlock2D> resnets;
    private final IndexedModules<Downsample2D> downsamplers;

    /**
     * @param in input channels
     * @param out output channels
     * @param layers resnets in the block
     * @param groups GroupNorm groups
     * @param eps GroupNorm epsilon
     * @param downsample whether the block halves the resolution
     */
    public DownEncoderBlock2D(long in, long out, int layers, long groups, double eps, boolean downsample) {
        resnets = register_module("resnets", new IndexedModules<>());
        for (int j = 0; j < layers; j++) {
            resnets.add(new ResnetBlock2D(j == 0 ? in : out, out, groups, eps));
        }
        downsamplers = downsample ? register_module("downsamplers", new IndexedModules<>()) : null;
        if (downsamplers != null) {
            downsamplers.add(new Downsample2D(out));
        }
    }

    /** (N, in, H, W) -> (N, out, H', W'). */
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (ResnetBlock2D resnet : resnets.list()) {
            h = resnet.forward(h);
        }
        return downsamplers == null ? h : downsamplers.get(0).forward(h);
    }
}
