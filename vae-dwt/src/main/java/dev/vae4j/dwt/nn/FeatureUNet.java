package dev.vae4j.dwt.nn;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * A LiteVAE UNet (feature extractor or aggregator): no spatial resampling, (N, in, H, W) -> (N, out, H, W). Implemented
 * by {@link PostNormUNet} (open-LiteVAE blocks) and {@link PreNormUNet} (the paper's blocks).
 */
public abstract class FeatureUNet extends Module {
    /** (N, in, H, W) -> (N, out, H, W). */
    public abstract Tensor forward(Tensor x);

    /** Input channels. */
    public abstract long inChannels();

    /** Output channels. */
    public abstract long outChannels();
}
