package dev.vae4j.losses;

import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.model.LatentDistribution;
import dev.vae4j.train.DiscriminatorObjective;
import dev.vae4j.train.GeneratorObjective;
import dev.vae4j.train.LossTerms;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * cloneofsimo/vqgan-training's VAE/GAN objective (images (N, C, H, W) in [-1, 1]). Generator: the sum of separately
 * gradient-normalised branches on the decoder output — pooled MSE, low-pass MSE, LPIPS and, from {@code discStart}, the
 * configured generator GAN loss ({@code -mean(D(x̂))}, {@code BCE(D(x̂), 1)} or v0.2's thresholded hinge
 * {@code mean(relu(D(x) - D(x̂) - margin))} against detached real logits) — plus, not gradnormed,
 * {@code zPenaltyWeight} times {@code mean(z^2)} of the posterior mean and {@code klWeight} times the KL. Each branch
 * thus sends the decoder a gradient of norm equal to its weight, whatever the scale of its loss. Discriminator:
 * {@code discLossScale} times the hinge or vanilla (BCE) loss on detached reconstructions, plus {@code lecamWeight}
 * times the unclipped LeCam term whose anchors first move to this step's mean logits (vqgan-training HEAD's order;
 * stateful: one objective per run). Logged terms: total, pooled, low_pass, p, kl, z2, g; d_total, logits_real,
 * logits_fake, lecam.
 */
public final class GradNormalizedObjective implements GeneratorObjective, DiscriminatorObjective {
    private final GradNormalizedConfig config;
    private final Lpips lpips;
    private final PooledMse pooled;
    private final LowPassMse lowPass;
    private final KlDivergence kl = new KlDivergence(BatchReduction.MEAN);
    private final GradNorm pooledNorm;
    private final GradNorm lowPassNorm;
    private final GradNorm perceptualNorm;
    private final GradNorm ganNorm;
    private final LeCamRegularizer lecam;

    /**
     * @param config weights and sizes
     * @param lpips the perceptual network (null only when {@code perceptualWeight == 0})
     */
    public GradNormalizedObjective(GradNormalizedConfig config, Lpips lpips) {
        if (lpips == null && config.perceptualWeight() > 0) {
            throw new IllegalArgumentException("perceptual weight " + config.perceptualWeight() + " needs LPIPS");
        }
        this.config = config;
        this.lpips = lpips;
        this.pooled = new PooledMse(config.poolKernel());
        this.lowPass = new LowPassMse(config.lowPassKernel(), config.lowPassCutoff());
        this.pooledNorm = branch(config.pooledWeight());
        this.lowPassNorm = branch(config.lowPassWeight());
        this.perceptualNorm = branch(config.perceptualWeight());
        this.ganNorm = branch(config.ganWeight());
        this.lecam = config.lecamWeight() > 0 ? new LeCamRegularizer(config.lecamDecay(), false) : null;
    }

    private GradNorm branch(double weight) {
        return weight > 0 ? new GradNorm(config.mode(), weight) : null;
    }

    /** The configured discriminator start, when the GAN branch is on (its weight is positive). */
    @Override
    public OptionalLong ganStart() {
        return ganNorm != null ? OptionalLong.of(config.discStart()) : OptionalLong.empty();
    }

    @Override
    public LossTerms generatorLoss(
            Tensor inputs,
            Tensor reconstructions,
            LatentDistribution posterior,
            Discriminator discriminator,
            long step,
            Tensor lastLayerWeight) {
        ImageChecks.requirePair(inputs, reconstructions, "grad-normalized objective");
        Map<String, Tensor> terms = new LinkedHashMap<>();
        Tensor klLoss = kl.loss(posterior);
        Tensor total = klLoss.mul(new Scalar(config.klWeight()));
        terms.put("kl", klLoss);
        if (config.zPenaltyWeight() > 0) {
            Tensor z2 = posterior.mean().pow(new Scalar(2)).mean();
            total = total.add(z2.mul(new Scalar(config.zPenaltyWeight())));
            terms.put("z2", z2);
        }
        if (pooledNorm != null) {
            Tensor loss = pooled.loss(inputs, pooledNorm.apply(reconstructions));
            total = total.add(loss);
            terms.put("pooled", loss);
        }
        if (lowPassNorm != null) {
            Tensor loss = lowPass.loss(inputs, lowPassNorm.apply(reconstructions));
            total = total.add(loss);
            terms.put("low_pass", loss);
        }
        if (perceptualNorm != null) {
            Tensor loss =
                    lpips.forward(perceptualNorm.apply(reconstructions), inputs).mean();
            total = total.add(loss);
            terms.put("p", loss);
        }
        if (ganNorm != null && discriminator != null && step >= config.discStart()) {
            Tensor fake = discriminator.logits(ganNorm.apply(reconstructions));
            Tensor g = config.generatorGan()
                    .loss(() -> discriminator.logits(inputs.detach()).detach(), fake, config.margin());
            total = total.add(g);
            terms.put("g", g);
        }
        terms.put("total", total);
        return new LossTerms(total, terms);
    }

    @Override
    public LossTerms discriminatorLoss(Tensor inputs, Tensor reconstructions, Discriminator discriminator, long step) {
        ImageChecks.requirePair(inputs, reconstructions, "grad-normalized objective");
        Tensor logitsReal = discriminator.logits(inputs.detach());
        Tensor logitsFake = discriminator.logits(reconstructions.detach());
        Tensor total = config.discLoss().loss(logitsReal, logitsFake).mul(new Scalar(config.discLossScale()));
        Map<String, Tensor> terms = new LinkedHashMap<>();
        if (lecam != null) {
            lecam.update(logitsReal, logitsFake);
            Tensor reg = lecam.regularization(logitsReal, logitsFake);
            total = total.add(reg.mul(new Scalar(config.lecamWeight())));
            terms.put("lecam", reg);
        }
        terms.put("d_total", total);
        terms.put("logits_real", logitsReal.detach().mean());
        terms.put("logits_fake", logitsFake.detach().mean());
        return new LossTerms(total, terms);
    }

    /** The perceptual network, or null. */
    public Lpips lpips() {
        return lpips;
    }
}
