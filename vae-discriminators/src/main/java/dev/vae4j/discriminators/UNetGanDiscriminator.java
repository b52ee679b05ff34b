package dev.vae4j.discriminators;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.relu;

import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.nn.IndexedModules;
import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.tensor.Shapes;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The U-Net GAN discriminator (Schoenfeld et al. 2020) as in open-LiteVAE ({@code olvae/modules/unetgan/d_unet.py},
 * resolution-256 architecture, no attention, unconditional): an encoder of 6 {@link UNetGanDBlock}s ending in a global
 * logit {@code linear_middle(sum_HW relu(h))}, and a decoder of 6 {@link UNetGanGBlock}s with skip connections
 * (concatenated before blocks 7..11) ending in a 1x1 conv to a per-pixel logit map. Every conv and linear weight is
 * orthogonally initialised; convs and linears are spectral-normalised (BigGAN flavor) except the final 1x1 conv. Keys
 * as in the reference: {@code blocks.<i>.0.conv1.weight}, {@code blocks.<i>.0.conv1.u0}, ..., {@code blocks.12.weight},
 * {@code linear_middle.*} and the reference's unused {@code linear.*} (kept for checkpoint and parameter-count
 * compatibility).
 *
 * <p>Input (N, C, H, W) in [-1, 1] with H, W >= 64 -> global logits (N, 1) and per-pixel logits (N, 1, H, W). Sides
 * that are multiples of 64 reproduce the reference exactly; other sides work too (the decoder upsamples to each skip's
 * size, nearest-neighbour).
 */
public final class UNetGanDiscriminator extends Module implements Discriminator, MacCountable {
    private static final int DOWN = 6;
    private static final long[] IN_MULT = {0, 1, 2, 4, 8, 8, 16, 16, 16, 8, 4, 2};
    private static final long[] OUT_MULT = {1, 2, 4, 8, 8, 16, 8, 8, 4, 2, 1, 1};

    private final UNetGanConfig config;
    private final IndexedModules<Module> blocks;
    private final List<UNetGanDBlock> down = new ArrayList<>();
    private final List<UNetGanGBlock> up = new ArrayList<>();
    private final Conv2dImpl last;
    private final BigGanSNLinear linear;
    private final BigGanSNLinear linearMiddle;

    /** Both heads of one forward pass. */
    public record Output(Tensor global, Tensor pixel) {}

    /** A freshly initialised discriminator (orthogonal init); {@code seed} drives every random draw. */
    public UNetGanDiscriminator(UNetGanConfig config, long seed) {
        this(config, seed, true);
    }

    /**
     * @param orthogonalInit the reference's orthogonal init (a QR per weight: tens of seconds for UNetGAN-L on two
     *     cores); false keeps PyTorch's default uniform init, for a model that is about to load a checkpoint or is only
     *     measured
     */
    public UNetGanDiscriminator(UNetGanConfig config, long seed, boolean orthogonalInit) {
        this.config = config;
        Generator g = torch.createCPUGenerator(seed);
        long ch = config.ch();
        this.blocks = register_module("blocks", new IndexedModules<>());
        for (int i = 0; i < 2 * DOWN; i++) {
            long in = i == 0 ? config.inChannels() : ch * IN_MULT[i];
            long out = ch * OUT_MULT[i];
            IndexedModules<Module> holder = new IndexedModules<>();
            blocks.add(holder);
            if (i < DOWN) {
                down.add((UNetGanDBlock) holder.add(new UNetGanDBlock(in, out, i > 0, config.snEps(), g)));
            } else {
                up.add((UNetGanGBlock) holder.add(new UNetGanGBlock(in, out, config.snEps(), g)));
            }
        }
        this.last = (Conv2dImpl) blocks.add(Layers.conv2d(ch, 1, 1, 1, 0));
        this.linear = register_module("linear", new BigGanSNLinear(ch, 1, config.snEps(), g));
        this.linearMiddle = register_module("linear_middle", new BigGanSNLinear(16 * ch, 1, config.snEps(), g));
        if (orthogonalInit) {
            orthogonalInit(g);
        }
    }

    private void orthogonalInit(Generator g) {
        for (UNetGanDBlock b : down) {
            for (BigGanSNConv2d c : b.convs()) {
                Init.orthogonal(c.weight(), g);
            }
        }
        for (UNetGanGBlock b : up) {
            for (BigGanSNConv2d c : b.convs()) {
                Init.orthogonal(c.weight(), g);
            }
        }
        Init.pytorchDefault(last.weight(), last.bias(), config.ch(), g);
        Init.orthogonal(last.weight(), g);
        Init.orthogonal(linear.weight(), g);
        Init.orthogonal(linearMiddle.weight(), g);
    }

    /** The configuration. */
    public UNetGanConfig config() {
        return config;
    }

    /** One forward pass: global (N, 1) and per-pixel (N, 1, H, W) logits. */
    public Output forwardBoth(Tensor images) {
        requireInput(images);
        List<Tensor> skips = new ArrayList<>();
        Tensor h = images;
        for (int i = 0; i < DOWN; i++) {
            h = down.get(i).forward(h);
            skips.add(h);
        }
        Tensor global = linearMiddle.forward(
                relu(h).sum(new long[] {2, 3}, false, new org.bytedeco.pytorch.ScalarTypeOptional()));
        for (int j = 0; j < DOWN; j++) {
            if (j > 0) {
                h = cat(new TensorVector(h, skips.get(DOWN - 1 - j)), 1);
            }
            Tensor target = j + 1 < DOWN ? skips.get(DOWN - 2 - j) : images;
            h = up.get(j).forward(h, target.size(2), target.size(3));
        }
        return new Output(global, last.forward(h));
    }

    /** The encoder's global logits (N, 1). */
    @Override
    public Tensor logits(Tensor images) {
        return forwardBoth(images).global();
    }

    /** The decoder's per-pixel logits (N, 1, H, W). */
    public Tensor pixelLogits(Tensor images) {
        return forwardBoth(images).pixel();
    }

    /** Both heads from one forward: [global (N, 1), per-pixel (N, 1, H, W)]; apply the GAN loss to each. */
    @Override
    public List<Tensor> heads(Tensor images) {
        Output out = forwardBoth(images);
        return List.of(out.global(), out.pixel());
    }

    @Override
    public Module module() {
        return this;
    }

    @Override
    public long macs(long height, long width) {
        requireSize(height, width);
        long[] hs = new long[DOWN + 1];
        long[] ws = new long[DOWN + 1];
        hs[0] = height;
        ws[0] = width;
        long total = 0;
        for (int i = 0; i < DOWN; i++) {
            hs[i + 1] = hs[i] / 2;
            ws[i + 1] = ws[i] / 2;
            long in = i == 0 ? config.inChannels() : config.ch() * IN_MULT[i];
            long out = config.ch() * OUT_MULT[i];
            total += ConvMath.macs(in, out, 3, hs[i], ws[i]) + ConvMath.macs(out, out, 3, hs[i], ws[i]);
            total += i == 0 ? ConvMath.macs(in, out, 1, hs[1], ws[1]) : ConvMath.macs(in, out, 1, hs[i], ws[i]);
        }
        total += 16L * config.ch();
        for (int j = 0; j < DOWN; j++) {
            long in = config.ch() * IN_MULT[DOWN + j];
            long out = config.ch() * OUT_MULT[DOWN + j];
            long th = hs[DOWN - 1 - j];
            long tw = ws[DOWN - 1 - j];
            total += ConvMath.macs(in, out, 3, th, tw)
                    + ConvMath.macs(out, out, 3, th, tw)
                    + ConvMath.macs(in, out, 1, th, tw);
        }
        return total + ConvMath.macs(config.ch(), 1, 1, height, width);
    }

    private void requireInput(Tensor images) {
        if (images == null
                || images.isNull()
                || !images.defined()
                || images.dim() != 4
                || images.size(1) != config.inChannels()) {
            throw new IllegalArgumentException("UNetGAN input must be (N, " + config.inChannels() + ", H, W), got "
                    + (images == null || images.isNull() || !images.defined()
                            ? "undefined"
                            : "shape " + Shapes.describe(images)));
        }
        requireSize(images.size(2), images.size(3));
    }

    private static void requireSize(long height, long width) {
        if (height < 64 || width < 64) {
            throw new IllegalArgumentException(
                    "UNetGAN downsamples 6 times and needs sides >= 64, got " + height + "x" + width);
        }
    }
}
