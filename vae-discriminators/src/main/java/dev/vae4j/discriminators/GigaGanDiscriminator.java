package dev.vae4j.discriminators;

import static org.bytedeco.pytorch.global.torch.adaptive_avg_pool2d;
import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.leaky_relu;

import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.nn.IndexedModules;
import dev.vae4j.core.tensor.Shapes;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * open-LiteVAE's GigaGAN-style multi-scale discriminator ({@code Descriminator} in
 * {@code olvae/modules/gigagan/vae_disc.py}, unconditional, {@code msio=True}): per level a {@link GigaGanMultiConv}
 * (stride 2, padding 2), BatchNorm, LReLU(0.1), {@code convBlocks} x [SN Conv3x3, BN, LReLU(0.1)], and at the
 * configured sizes a {@link GigaGanSpatialTransformer}; each level predicts a logit map {@code predictors.l(x) +
 * predskip.l(x)}. A final SN Conv(k2 s2) + LReLU(0.1) turns the last map into a 2x2 patch embedding, flattened to (N,
 * 4C, 1, 1), which a last predictor scores. Keys as in the reference: {@code blocks.<l>.<i>.*},
 * {@code predictors.<l>.main.<i>.*}, {@code predskip.<l>.*}, {@code predskip.<L>.0.*}.
 *
 * <p>Input (N, C, H, W) in [-1, 1]; the first level used is chosen from min(H, W) like the reference chooses it from H
 * (a 256 input starts at level 0: maps 129, 65, 33, 17, 9, 5, then the global logit; a 128 input starts at level 1).
 * Heads: one (N, 1, h_l, w_l) map per level used plus the global (N, 1, 1, 1); {@link #logits} is their per-sample
 * concatenation (N, sum h_l*w_l + 1), whose mean is the reference's mean over its flattened output. For sides that do
 * not end on a 2x2 patch grid the last map is average-pooled to 2x2 (identity for the reference's power-of-two sizes).
 * Sides must be at least 8 and at most {@code imageSize}.
 */
public final class GigaGanDiscriminator extends Module implements Discriminator, MacCountable {
    private final GigaGanConfig config;
    private final List<LayerChain> levels = new ArrayList<>();
    private final List<GigaGanMultiConv> entries = new ArrayList<>();
    private final List<GigaGanSpatialTransformer> attention = new ArrayList<>();
    private final List<GigaGanPredictor> predictors = new ArrayList<>();
    private final List<TorchSNConv2d> predskips = new ArrayList<>();
    private final IndexedModules<Module> blockList;
    private final IndexedModules<Module> predictorList;
    private final IndexedModules<Module> predskipList;
    private final LayerChain finalBlock;
    private final LayerChain finalSkip;
    private final TorchSNConv2d finalConv;

    /** A freshly initialised discriminator; {@code seed} drives every random draw. */
    public GigaGanDiscriminator(GigaGanConfig config, long seed) {
        this.config = config;
        Generator g = torch.createCPUGenerator(seed);
        this.blockList = register_module("blocks", new IndexedModules<>());
        this.predictorList = register_module("predictors", new IndexedModules<>());
        this.predskipList = register_module("predskip", new IndexedModules<>());
        long last = -1;
        for (int l = 0; l < config.levels(); l++) {
            long ch = config.channels(l);
            LayerChain chain = new LayerChain();
            GigaGanMultiConv entry = new GigaGanMultiConv(config.inChannels(), last < 0 ? ch : last, ch, g);
            chain.add(entry, entry::forward);
            addNormAct(chain, ch);
            for (int b = 0; b < config.convBlocks(); b++) {
                TorchSNConv2d conv = new TorchSNConv2d(ch, ch, 3, 1, 1, true, g);
                chain.add(conv, conv::forward);
                addNormAct(chain, ch);
            }
            if (config.attentionResolutions().contains(config.nominalSize(l))) {
                GigaGanSpatialTransformer t = new GigaGanSpatialTransformer(
                        ch, (int) (ch / config.headDim()), config.headDim(), 2, config.attnResGain());
                attention.add(chain.add(t, t::forward));
            } else {
                attention.add(null);
            }
            levels.add(put(blockList, chain));
            entries.add(entry);
            predictors.add(put(predictorList, new GigaGanPredictor(ch, config.predLayers(), g)));
            predskips.add(put(predskipList, new TorchSNConv2d(ch, 1, 1, 1, 0, true, g)));
            last = ch;
        }
        long finalCh = config.channels(config.levels());
        this.finalBlock = put(blockList, new LayerChain());
        this.finalConv = new TorchSNConv2d(last, finalCh, 2, 2, 0, true, g);
        finalBlock.add(finalConv, finalConv::forward);
        finalBlock.addFunction(x -> leaky_relu(x, new Scalar(0.1)));
        predictors.add(put(predictorList, new GigaGanPredictor(4 * finalCh, config.predLayers(), g)));
        this.finalSkip = put(predskipList, new LayerChain());
        TorchSNConv2d skip = new TorchSNConv2d(4 * finalCh, 1, 1, 1, 0, true, g);
        predskips.add(finalSkip.add(skip, skip::forward));
    }

    private static <M extends Module> M put(IndexedModules<Module> list, M module) {
        list.add(module);
        return module;
    }

    private static void addNormAct(LayerChain chain, long ch) {
        BatchNorm2dImpl bn = new BatchNorm2dImpl(new BatchNormOptions(ch));
        chain.add(bn, bn::forward);
        chain.addFunction(x -> leaky_relu(x, new Scalar(0.1)));
    }

    /** The configuration. */
    public GigaGanConfig config() {
        return config;
    }

    /** The first level used for an H x W input (the reference's {@code num_levels - (log2(H) - 2)}, on min side). */
    public int startLevel(long height, long width) {
        long side = Math.min(height, width);
        if (side < 8 || Math.max(height, width) > config.imageSize() * 2L - 1) {
            throw new IllegalArgumentException("GigaGAN built for " + config.imageSize() + " needs sides in [8, "
                    + config.imageSize() + "], got " + height + "x" + width);
        }
        int start = config.levels() - (63 - Long.numberOfLeadingZeros(side) - 2);
        if (start < 0 || start >= config.levels()) {
            throw new IllegalArgumentException("GigaGAN built for " + config.imageSize() + " needs sides in [8, "
                    + config.imageSize() + "], got " + height + "x" + width);
        }
        return start;
    }

    /** Every head: one (N, 1, h_l, w_l) logit map per level used, then the global (N, 1, 1, 1) logit. */
    @Override
    public List<Tensor> heads(Tensor images) {
        requireInput(images);
        int start = startLevel(images.size(2), images.size(3));
        List<Tensor> out = new ArrayList<>();
        Tensor x = images;
        for (int l = start; l < config.levels(); l++) {
            x = levels.get(l).forward(x);
            out.add(predictors.get(l).forward(x).add(predskips.get(l).forward(x)));
        }
        x = finalBlock.forward(x);
        if (x.size(2) != 2 || x.size(3) != 2) {
            x = adaptive_avg_pool2d(x, 2, 2);
        }
        x = x.reshape(x.size(0), -1, 1, 1);
        int lastIndex = config.levels();
        out.add(predictors
                .get(lastIndex)
                .forward(x)
                .add(predskips.get(lastIndex).forward(x)));
        return out;
    }

    /** All heads flattened per sample and concatenated: (N, sum h_l*w_l + 1). */
    @Override
    public Tensor logits(Tensor images) {
        TensorVector flat = new TensorVector();
        for (Tensor head : heads(images)) {
            flat.push_back(head.reshape(head.size(0), -1));
        }
        return cat(flat, 1);
    }

    @Override
    public Module module() {
        return this;
    }

    @Override
    public long macs(long height, long width) {
        int start = startLevel(height, width);
        long total = 0;
        long h = height;
        long w = width;
        for (int l = start; l < config.levels(); l++) {
            long ch = config.channels(l);
            total += entries.get(l).macs(h, w, l == start);
            h = ConvMath.out(h, 4, 2, 2);
            w = ConvMath.out(w, 4, 2, 2);
            total += config.convBlocks() * ConvMath.macs(ch, ch, 3, h, w);
            if (attention.get(l) != null) {
                total += attention.get(l).macs(h, w);
            }
            total += (predictors.get(l).macsPerPixel() + ch) * h * w;
        }
        long finalCh = config.channels(config.levels());
        long fh = ConvMath.out(h, 2, 2, 0);
        long fw = ConvMath.out(w, 2, 2, 0);
        total += ConvMath.macs(config.channels(config.levels() - 1), finalCh, 2, fh, fw);
        return total + predictors.get(config.levels()).macsPerPixel() + 4 * finalCh;
    }

    private void requireInput(Tensor images) {
        if (images == null
                || images.isNull()
                || !images.defined()
                || images.dim() != 4
                || images.size(1) != config.inChannels()) {
            throw new IllegalArgumentException("GigaGAN input must be (N, " + config.inChannels() + ", H, W), got "
                    + (images == null || images.isNull() || !images.defined()
                            ? "undefined"
                            : "shape " + Shapes.describe(images)));
        }
    }
}
