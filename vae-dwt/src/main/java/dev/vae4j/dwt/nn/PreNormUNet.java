package dev.vae4j.dwt.nn;

import static org.bytedeco.pytorch.global.torch.cat;

import dev.vae4j.core.nn.IndexedModules;
import dev.vae4j.core.nn.Layers;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * The LiteVAE paper's {@code LiteVAEUNetBlock} (App. G): {@code in_layer} 3x3 (in -> C); for each multiplier m,
 * {@code blocks} x {@link PreNormResidualBlock}(-> C m), each output kept as a skip; two mid blocks; for each
 * multiplier in reverse, {@code blocks} x block(width + skip width -> C m) on cat(h, skip); {@code out_layer} 3x3 (C
 * mult[0] -> out). No spatial resampling: (N, in, H, W) -> (N, out, H, W). Parameter names (ours): {@code in_layer,
 * encoder_blocks.i, mid_blocks.{0,1}, decoder_blocks.i, out_layer}.
 */
public final class PreNormUNet extends FeatureUNet {
    private final long in;
    private final long out;
    private final Conv2dImpl inLayer;
    private final IndexedModules<PreNormResidualBlock> encoderBlocks;
    private final IndexedModules<PreNormResidualBlock> midBlocks;
    private final IndexedModules<PreNormResidualBlock> decoderBlocks;
    private final Conv2dImpl outLayer;

    /**
     * @param in input channels
     * @param channels base width C
     * @param out output channels
     * @param blocks blocks per multiplier (2 in the paper)
     * @param mult width multipliers
     * @param groups nominal GroupNorm groups (32 in the paper; see {@link PreNormResidualBlock})
     */
    public PreNormUNet(long in, long channels, long out, int blocks, List<Integer> mult, long groups) {
        if (mult.isEmpty() || blocks < 1) {
            throw new IllegalArgumentException(
                    "UNet needs >= 1 multiplier and >= 1 block, got " + mult + ", " + blocks);
        }
        this.in = in;
        this.out = out;
        inLayer = register_module("in_layer", Layers.conv2d(in, channels, 3, 1, 1));
        encoderBlocks = register_module("encoder_blocks", new IndexedModules<>());
        long c = channels;
        List<Long> widths = new ArrayList<>();
        for (int m : mult) {
            for (int i = 0; i < blocks; i++) {
                encoderBlocks.add(new PreNormResidualBlock(c, channels * m, groups));
                c = channels * m;
                widths.add(c);
            }
        }
        midBlocks = register_module("mid_blocks", new IndexedModules<>());
        midBlocks.add(new PreNormResidualBlock(c, c, groups));
        midBlocks.add(new PreNormResidualBlock(c, c, groups));
        decoderBlocks = register_module("decoder_blocks", new IndexedModules<>());
        for (int j = mult.size() - 1; j >= 0; j--) {
            for (int i = 0; i < blocks; i++) {
                long skip = widths.remove(widths.size() - 1);
                decoderBlocks.add(new PreNormResidualBlock(c + skip, channels * mult.get(j), groups));
                c = channels * mult.get(j);
            }
        }
        outLayer = register_module("out_layer", Layers.conv2d(c, out, 3, 1, 1));
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = inLayer.forward(x);
        Deque<Tensor> skips = new ArrayDeque<>();
        for (PreNormResidualBlock block : encoderBlocks.list()) {
            h = block.forward(h);
            skips.push(h);
        }
        for (PreNormResidualBlock block : midBlocks.list()) {
            h = block.forward(h);
        }
        for (PreNormResidualBlock block : decoderBlocks.list()) {
            h = block.forward(cat(new TensorVector(h, skips.pop()), 1));
        }
        return outLayer.forward(h);
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
