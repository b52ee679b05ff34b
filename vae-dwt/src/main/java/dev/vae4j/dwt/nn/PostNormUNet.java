package dev.vae4j.dwt.nn;

import static org.bytedeco.pytorch.global.torch.cat;

import dev.vae4j.core.nn.IndexedModules;
import dev.vae4j.core.nn.Layers;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * open-LiteVAE's UNet ({@code olvae/modules/litevae/unet_model.py}), with widths h_k = channels * mult[k]:
 * {@code init_conv} 3x3 (in -> h_0); for each k &lt; K-1 {@code blocks} x {@link PostNormResidualBlock}(h_k) (each
 * output kept as a skip) then a 1x1 conv h_k -> h_{k+1}; {@code blocks} mid blocks at h_{K-1}; for k = K-2..0 a 1x1
 * conv h_{k+1} -> h_k then {@code blocks} x block(2 h_k -> h_k) on cat(x, skip); {@code conv_out} 1x1 (h_0 -> out). No
 * spatial resampling: (N, in, H, W) -> (N, out, H, W). Parameter names equal open-LiteVAE's: {@code init_conv,
 * down_blocks.k.{0..n-1}, down_blocks.k.n (1x1), mid_block.i, up_blocks.k.0 (1x1), up_blocks.k.{1..n}, conv_out}.
 */
public final class PostNormUNet extends FeatureUNet {
    private final long in;
    private final long out;
    private final Conv2dImpl initConv;
    private final IndexedModules<IndexedModules<Module>> downBlocks;
    private final IndexedModules<PostNormResidualBlock> midBlock;
    private final IndexedModules<IndexedModules<Module>> upBlocks;
    private final Conv2dImpl convOut;
    private final List<List<PostNormResidualBlock>> downResidual = new ArrayList<>();
    private final List<Conv2dImpl> downProjections = new ArrayList<>();
    private final List<Conv2dImpl> upProjections = new ArrayList<>();
    private final List<List<PostNormResidualBlock>> upResidual = new ArrayList<>();

    /**
     * @param in input channels
     * @param channels base width C
     * @param out output channels
     * @param blocks residual blocks per level and in the middle (n)
     * @param mult width multipliers (K >= 1 entries)
     * @param groups GroupNorm groups (8 in open-LiteVAE)
     */
    public PostNormUNet(long in, long channels, long out, int blocks, List<Integer> mult, long groups) {
        if (mult.isEmpty() || blocks < 1) {
            throw new IllegalArgumentException(
                    "UNet needs >= 1 multiplier and >= 1 block, got " + mult + ", " + blocks);
        }
        this.in = in;
        this.out = out;
        long[] dims = mult.stream().mapToLong(m -> m * channels).toArray();
        initConv = register_module("init_conv", Layers.conv2d(in, dims[0], 3, 1, 1));
        downBlocks = register_module("down_blocks", new IndexedModules<>());
        long d = dims[0];
        for (int k = 1; k < dims.length; k++) {
            IndexedModules<Module> level = new IndexedModules<>();
            List<PostNormResidualBlock> residual = new ArrayList<>();
            for (int i = 0; i < blocks; i++) {
                residual.add((PostNormResidualBlock) level.add(new PostNormResidualBlock(d, d, groups)));
            }
            downProjections.add((Conv2dImpl) level.add(Layers.conv2d(d, dims[k], 1, 1, 0)));
            downResidual.add(residual);
            downBlocks.add(level);
            d = dims[k];
        }
        midBlock = register_module("mid_block", new IndexedModules<>());
        for (int i = 0; i < blocks; i++) {
            midBlock.add(new PostNormResidualBlock(d, d, groups));
        }
        upBlocks = register_module("up_blocks", new IndexedModules<>());
        for (int k = dims.length - 2; k >= 0; k--) {
            IndexedModules<Module> level = new IndexedModules<>();
            upProjections.add((Conv2dImpl) level.add(Layers.conv2d(d, dims[k], 1, 1, 0)));
            List<PostNormResidualBlock> residual = new ArrayList<>();
            for (int i = 0; i < blocks; i++) {
                residual.add(
                        (PostNormResidualBlock) level.add(new PostNormResidualBlock(2 * dims[k], dims[k], groups)));
            }
            upResidual.add(residual);
            upBlocks.add(level);
            d = dims[k];
        }
        convOut = register_module("conv_out", Layers.conv2d(dims[0], out, 1, 1, 0));
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = initConv.forward(x);
        Deque<Tensor> skips = new ArrayDeque<>();
        for (int k = 0; k < downResidual.size(); k++) {
            for (PostNormResidualBlock block : downResidual.get(k)) {
                h = block.forward(h);
                skips.push(h);
            }
            h = downProjections.get(k).forward(h);
        }
        for (PostNormResidualBlock block : midBlock.list()) {
            h = block.forward(h);
        }
        for (int k = 0; k < upResidual.size(); k++) {
            h = upProjections.get(k).forward(h);
            for (PostNormResidualBlock block : upResidual.get(k)) {
                h = block.forward(cat(new TensorVector(h, skips.pop()), 1));
            }
        }
        return convOut.forward(h);
    }

    @Override
    public long inChannels() {
        return in;
    }

    @Override
    public long outChannels() {
        return out;
    }
}
