package dev.vae4j.dwt.model;

import static org.bytedeco.pytorch.global.torch.avg_pool2d;
import static org.bytedeco.pytorch.global.torch.cat;

import dev.vae4j.core.nn.IndexedModules;
import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.dwt.HaarDwt;
import dev.vae4j.dwt.nn.FeatureUNet;
import dev.vae4j.dwt.nn.PostNormUNet;
import dev.vae4j.dwt.nn.PreNormUNet;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * The LiteVAE encoder: Haar levels l = 1..L of the image, X_l (N, 4C, H/2^l, W/2^l); a feature-extractor UNet per level
 * with its own weights (4C -> 4C, no resampling); average pooling of F_l by 2^(L-l) to H/2^L; channel concatenation (4C
 * L = 36 channels for RGB, L = 3); the aggregator UNet -> moments (N, 2 n_z, H/2^L, W/2^L). No quant convs. Parameter
 * names: {@code extractors.l.*}, {@code aggregator.*} (open-LiteVAE's).
 */
public final class LiteVaeEncoder extends Module {
    private final LiteVaeConfig config;
    private final HaarDwt dwt;
    private final IndexedModules<FeatureUNet> extractors;
    private final FeatureUNet aggregator;

    /** Builds the encoder of {@code config} with PyTorch's default initialisation. */
    public LiteVaeEncoder(LiteVaeConfig config) {
        this.config = config;
        dwt = new HaarDwt(config.subbandOrder(), config.waveletLevelScaling());
        long sub = config.subbandChannels();
        extractors = register_module("extractors", new IndexedModules<>());
        for (int l = 0; l < config.waveletLevels(); l++) {
            extractors.add(
                    unet(sub, config.extractorChannels(), sub, config.extractorBlocks(), config.extractorMult()));
        }
        aggregator = register_module(
                "aggregator",
                unet(
                        sub * config.waveletLevels(),
                        config.aggregatorChannels(),
                        2L * config.latentChannels(),
                        config.aggregatorBlocks(),
                        config.aggregatorMult()));
    }

    private FeatureUNet unet(long in, long channels, long out, int blocks, List<Integer> mult) {
        return config.flavor() == EncoderFlavor.OPEN_LITEVAE
                ? new PostNormUNet(in, channels, out, blocks, mult, config.normGroups())
                : new PreNormUNet(in, channels, out, blocks, mult, config.normGroups());
    }

    /** The wavelet transform feeding the extractors. */
    public HaarDwt dwt() {
        return dwt;
    }

    /**
     * Images (N, in_channels, H, W), H and W multiples of 2^L -> moments (N, 2 n_z, H/2^L, W/2^L).
     *
     * @throws IllegalArgumentException for a wrong shape
     */
    public Tensor forward(Tensor images) {
        Shapes.requireNchw(images, "images", config.inChannels(), config.downsamplingFactor());
        List<Tensor> stacks = dwt.decompose(images, config.waveletLevels());
        TensorVector features = new TensorVector();
        int levels = config.waveletLevels();
        for (int l = 0; l < levels; l++) {
            Tensor f = extractors.get(l).forward(stacks.get(l));
            long pool = 1L << (levels - 1 - l);
            features.push_back(pool == 1 ? f : avg_pool2d(f, pool, pool));
        }
        return aggregator.forward(cat(features, 1));
    }
}
