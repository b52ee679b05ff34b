package dev.vae4j.dwt.model;

import static org.bytedeco.pytorch.global.torch.silu;

import dev.vae4j.core.nn.IndexedModules;
import dev.vae4j.core.nn.Layers;
import dev.vae4j.dwt.nn.Smc;
import dev.vae4j.dwt.nn.SmcResnetBlock;
import java.util.List;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * LiteVAE's SMC decoder (open-LiteVAE {@code LiteVAE_Decoder}): the SD-VAE decoder with every Conv+GroupNorm pair an
 * {@link Smc}, the mid Res-Attn-Res replaced by {@code res_blocks + 1} SMC ResNet blocks, and GN_out replaced by an SMC
 * 3x3 before SiLU and the plain {@code conv_out}. 1x1 shortcuts, {@code conv_in}, upsampling convs and {@code conv_out}
 * stay plain convolutions. z (N, n_z, h, w) -> images (N, out, h 2^L, w 2^L). Parameter names: {@code conv_in, mid.i,
 * up.level.block.j, up.level.upsample.conv, conv_norm, conv_out} ({@code up.0} is the finest level). 53,332,642
 * parameters at 128, [1, 2, 4, 4], 2, n_z 12.
 */
public final class SmcDecoder extends Module {
    private final Conv2dImpl convIn;
    private final IndexedModules<SmcResnetBlock> mid;
    private final IndexedModules<SmcUpLevel> up;
    private final Smc convNorm;
    private final Conv2dImpl convOut;

    /** Builds the decoder of {@code config} with PyTorch's default initialisation. */
    public SmcDecoder(LiteVaeConfig config) {
        List<Integer> mult = config.decoderMult();
        long ch = config.decoderChannels();
        int levels = mult.size();
        boolean pre = config.decoderPreActivation();
        long widest = ch * mult.get(levels - 1);
        convIn = register_module("conv_in", Layers.conv2d(config.latentChannels(), widest, 3, 1, 1));
        mid = register_module("mid", new IndexedModules<>());
        for (int i = 0; i <= config.decoderResBlocks(); i++) {
            mid.add(new SmcResnetBlock(widest, widest, pre));
        }
        up = register_module("up", new IndexedModules<>());
        for (int level = 0; level < levels; level++) {
            long in = level == levels - 1 ? widest : ch * mult.get(level + 1);
            up.add(new SmcUpLevel(in, ch * mult.get(level), config.decoderResBlocks() + 1, level != 0, pre));
        }
        long finest = ch * mult.get(0);
        convNorm = register_module("conv_norm", new Smc(finest, finest, 3));
        convOut = register_module("conv_out", Layers.conv2d(finest, config.outChannels(), 3, 1, 1));
    }

    /** z (N, n_z, h, w) -> images (N, out, h 2^L, w 2^L). */
    public Tensor forward(Tensor z) {
        Tensor h = convIn.forward(z);
        for (SmcResnetBlock block : mid.list()) {
            h = block.forward(h);
        }
        for (int level = up.count() - 1; level >= 0; level--) {
            h = up.get(level).forward(h);
        }
        return convOut.forward(silu(convNorm.forward(h)));
    }

    /** The last layer, {@code conv_out}. */
    public Conv2dImpl convOut() {
        return convOut;
    }
}
