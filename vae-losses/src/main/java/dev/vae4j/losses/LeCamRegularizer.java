package dev.vae4j.losses;

import static org.bytedeco.pytorch.global.torch.relu;
import static org.bytedeco.pytorch.global.torch.stack;

import dev.vae4j.train.HostSyncs;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * LeCam regularisation (Tseng et al. 2021), a 0-d tensor >= 0 added to the D loss with a weight, in one of two forms:
 * clipped, as tokenizer repositories use it, {@code mean(relu(D(x) - ema_fake)^2) + mean(relu(ema_real - D(x̂))^2)}; or
 * unclipped, as cloneofsimo/vqgan-training HEAD writes it, {@code mean((D(x) - ema_fake)^2) + mean((D(x̂) -
 * ema_real)^2)}. {@code ema_real}, {@code ema_fake} are exponential moving averages (start 0, no bias correction) of
 * the mean real and fake logits, moved by {@link #update}: {@code ema = decay * ema + (1 - decay) * mean(logits)}
 * (tokenizers update after the step's loss; vqgan-training updates first, so the loss sees this step's logits).
 * Stateful: one instance per discriminator.
 */
public final class LeCamRegularizer {
    private final double decay;
    private final boolean clipped;
    private double emaReal;
    private double emaFake;

    /** The clipped form. @param decay EMA decay in [0, 1) (TiTok 0.999) */
    public LeCamRegularizer(double decay) {
        this(decay, true);
    }

    /**
     * @param decay EMA decay in [0, 1) (TiTok 0.999, cloneofsimo/vqgan-training HEAD 0.9)
     * @param clipped true: the relu-clipped form; false: the plain squares of cloneofsimo/vqgan-training
     */
    public LeCamRegularizer(double decay, boolean clipped) {
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("LeCam EMA decay must be in [0, 1), got " + decay);
        }
        this.decay = decay;
        this.clipped = clipped;
    }

    /** The regulariser for this step's real and fake logits (any shapes), against the current anchors. */
    public Tensor regularization(Tensor logitsReal, Tensor logitsFake) {
        Tensor real = logitsReal.sub(new Scalar(emaFake));
        Tensor fake = logitsFake.neg().add(new Scalar(emaReal));
        if (clipped) {
            real = relu(real);
            fake = relu(fake);
        }
        return real.pow(new Scalar(2)).mean().add(fake.pow(new Scalar(2)).mean());
    }

    /** Moves the anchors towards this step's mean logits (detached; both read to the host in one copy). */
    public void update(Tensor logitsReal, Tensor logitsFake) {
        double[] means = HostSyncs.read(stack(new TensorVector(
                logitsReal.detach().mean().to(ScalarType.Double),
                logitsFake.detach().mean().to(ScalarType.Double))));
        double r = means[0];
        double f = means[1];
        emaReal = emaReal * decay + r * (1 - decay);
        emaFake = emaFake * decay + f * (1 - decay);
    }

    /** The current real-logit anchor. */
    public double emaReal() {
        return emaReal;
    }

    /** The current fake-logit anchor. */
    public double emaFake() {
        return emaFake;
    }
}
