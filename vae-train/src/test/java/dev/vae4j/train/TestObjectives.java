package dev.vae4j.train;

import static org.bytedeco.pytorch.global.torch.relu;

import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.model.LatentDistribution;
import dev.vae4j.core.nn.Layers;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Small real objectives for testing the loop in core (the full LDM objective lives in vae-losses): MSE + KL for the
 * autoencoder, plus a hinge GAN term once a discriminator is present, and a one-conv patch discriminator.
 */
final class TestObjectives {
    private TestObjectives() {}

    /** {@code mse + 1e-6 * mean KL (+ 0.1 * -mean D(x̂))}. */
    static final class MseKl implements GeneratorObjective {
        private final long discStart;

        MseKl(long discStart) {
            this.discStart = discStart;
        }

        @Override
        public LossTerms generatorLoss(
                Tensor inputs,
                Tensor reconstructions,
                LatentDistribution posterior,
                Discriminator discriminator,
                long step,
                Tensor lastLayerWeight) {
            Tensor rec = reconstructions.sub(inputs).pow(new Scalar(2)).mean();
            Tensor kl = posterior.kl().mean();
            Tensor total = rec.add(kl.mul(new Scalar(1e-6)));
            Map<String, Tensor> terms = new LinkedHashMap<>();
            terms.put("rec", rec);
            terms.put("kl", kl);
            if (discriminator != null && step >= discStart) {
                Tensor g = discriminator.logits(reconstructions).mean().neg();
                total = total.add(g.mul(new Scalar(0.1)));
                terms.put("g", g);
            }
            return new LossTerms(total, terms);
        }
    }

    /** Hinge discriminator loss {@code 0.5 (mean relu(1 - D(x)) + mean relu(1 + D(x̂)))}. */
    static final class Hinge implements DiscriminatorObjective {
        @Override
        public LossTerms discriminatorLoss(
                Tensor inputs, Tensor reconstructions, Discriminator discriminator, long step) {
            Tensor real = relu(discriminator.logits(inputs).neg().add(new Scalar(1.0)))
                    .mean();
            Tensor fake = relu(discriminator.logits(reconstructions).add(new Scalar(1.0)))
                    .mean();
            Tensor total = real.add(fake).mul(new Scalar(0.5));
            return new LossTerms(total, Map.of("disc", total));
        }
    }

    /** A 4x4 stride-2 convolution to one logit per patch. */
    static final class PatchConv extends Module implements Discriminator {
        private final Conv2dImpl conv;

        PatchConv() {
            conv = register_module("conv", Layers.conv2d(3, 1, 4, 2, 1));
        }

        @Override
        public Tensor logits(Tensor images) {
            return conv.forward(images);
        }

        @Override
        public Module module() {
            return this;
        }
    }
}
