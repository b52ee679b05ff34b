package dev.vae4j.discriminators;

import dev.vae4j.core.nn.IndexedModules;
import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.nn.Linear;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * open-LiteVAE's GigaGAN {@code SpatialTransformer} ({@code use_linear=True}, depth 2): GroupNorm(32) -> tokens (N,
 * H*W, C) -> Linear {@code proj_in} -> {@link GigaGanTransformerBlock}s -> zero-initialised Linear {@code proj_out} ->
 * back to (N, C, H, W), plus {@code resGain} times the input. Input (N, C, H, W) -> same shape.
 */
final class GigaGanSpatialTransformer extends Module {
    private final GroupNormImpl norm;
    private final Linear projIn;
    private final Linear projOut;
    private final List<GigaGanTransformerBlock> blocks = new ArrayList<>();
    private final double resGain;
    private final long channels;

    /** A transformer over {@code channels = heads * headDim} channels (divisible by 32 for the GroupNorm). */
    public GigaGanSpatialTransformer(long channels, int heads, long headDim, int depth, double resGain) {
        if (heads * headDim != channels) {
            throw new IllegalArgumentException("GigaGAN attention needs channels = heads * headDim, got " + channels
                    + " = " + heads + " * " + headDim);
        }
        this.channels = channels;
        this.resGain = resGain;
        this.norm = register_module("norm", Layers.groupNorm(32, channels, 1e-5));
        this.projIn = register_module("proj_in", new Linear(channels, channels));
        IndexedModules<GigaGanTransformerBlock> list = register_module("transformer_blocks", new IndexedModules<>());
        for (int i = 0; i < depth; i++) {
            blocks.add(list.add(new GigaGanTransformerBlock(channels, heads, headDim)));
        }
        this.projOut = register_module("proj_out", new Linear(channels, channels));
        try (NoGradGuard noGrad = new NoGradGuard()) {
            projOut.weight().zero_();
            projOut.bias().zero_();
        }
    }

    /** (N, C, H, W) -> (N, C, H, W). */
    public Tensor forward(Tensor x) {
        long n = x.size(0);
        long h = x.size(2);
        long w = x.size(3);
        Tensor t = norm.forward(x).reshape(n, channels, h * w).transpose(1, 2).contiguous();
        t = projIn.forward(t);
        for (GigaGanTransformerBlock block : blocks) {
            t = block.forward(t);
        }
        t = projOut.forward(t).transpose(1, 2).reshape(n, channels, h, w);
        return t.add(x.mul(new Scalar(resGain)));
    }

    /** MACs for an h x w map. */
    long macs(long h, long w) {
        long tokens = h * w;
        long total = 2 * tokens * channels * channels;
        for (GigaGanTransformerBlock block : blocks) {
            total += block.macs(tokens);
        }
        return total;
    }
}
