package dev.vae4j.dwt.model;

import dev.vae4j.core.nn.IndexedModules;
import dev.vae4j.core.nn.Upsample2D;
import dev.vae4j.dwt.nn.SmcResnetBlock;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * One resolution level of the {@link SmcDecoder}: {@code block.j} SMC ResNet blocks (the first changes the width) and,
 * except at the finest level, {@code upsample} (nearest 2x + plain 3x3 conv, core's {@link Upsample2D}). (N, in, H, W)
 * -> (N, out, 2H, 2W), or (N, out, H, W) without upsampling.
 */
final class SmcUpLevel extends Module {
    private final IndexedModules<SmcResnetBlock> block;
    private final Upsample2D upsample;

    /**
     * @param in input channels
     * @param out output channels
     * @param blocks SMC ResNet blocks
     * @param upsample whether the level doubles the resolution
     * @param preActivation SMC block ordering (see {@link SmcResnetBlock})
     */
    public SmcUpLevel(long in, long out, int blocks, boolean upsample, boolean preActivation) {
        block = register_module("block", new IndexedModules<>());
        for (int j = 0; j < blocks; j++) {
            block.add(new SmcResnetBlock(j == 0 ? in : out, out, preActivation));
        }
        this.upsample = upsample ? register_module("upsample", new Upsample2D(out)) : null;
    }

    /** (N, in, H, W) -> (N, out, H', W'). */
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (SmcResnetBlock b : block.list()) {
            h = b.forward(h);
        }
        return upsample == null ? h : upsample.forward(h);
    }
}
