package dev.vae4j.discriminators;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * taming's {@code ActNorm} (affine, no logdet): {@code scale * (x + loc)} per channel, with data-dependent
 * initialisation on the first forward in training mode: {@code loc = -mean_c(x)}, {@code scale = 1 / (std_c(x) + 1e-6)}
 * (unbiased std over N, H, W). Keys: {@code loc}, {@code scale} (1, C, 1, 1) parameters and the uint8 scalar buffer
 * {@code initialized}. Input (N, C, H, W) -> same shape.
 */
public final class ActNorm extends Module {
    private final long channels;
    private final Tensor loc;
    private final Tensor scale;
    private final Tensor initialized;

    /** An uninitialised ActNorm over {@code channels} channels (loc 0, scale 1). */
    public ActNorm(long channels) {
        this.channels = channels;
        this.loc = Registered.parameter(this, "loc", torch.zeros(1, channels, 1, 1));
        this.scale = Registered.parameter(this, "scale", torch.ones(1, channels, 1, 1));
        this.initialized =
                Registered.buffer(this, "initialized", torch.zeros(new long[0]).to(torch.ScalarType.Byte));
    }

    /** Whether the data-dependent initialisation has happened (or was loaded). */
    public boolean isInitialized() {
        return initialized.item_byte() != 0;
    }

    /** (N, C, H, W) -> (N, C, H, W); initialises from {@code x} first if training and not yet initialised. */
    public Tensor forward(Tensor x) {
        if (x.dim() != 4 || x.size(1) != channels) {
            throw new IllegalArgumentException("ActNorm(" + channels + ") needs (N, " + channels + ", H, W), got shape "
                    + dev.vae4j.core.tensor.Shapes.describe(x));
        }
        if (is_training() && !isInitialized()) {
            initialize(x);
        }
        return scale.mul(x.add(loc));
    }

    private void initialize(Tensor x) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor flat = x.permute(1, 0, 2, 3).reshape(channels, -1);
            Tensor mean = flat.mean(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
            Tensor std = flat.std(new long[] {1}, true, false);
            loc.copy_(mean.neg().view(1, channels, 1, 1));
            scale.copy_(std.add(new Scalar(1e-6)).reciprocal().view(1, channels, 1, 1));
            initialized.fill_(new Scalar(1));
        }
    }
}
