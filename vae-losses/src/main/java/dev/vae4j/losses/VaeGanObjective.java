package dev.vae4j.losses;

import static org.bytedeco.pytorch.global.torch.exp;
import static org.bytedeco.pytorch.global.torch.full;

import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.model.LatentDistribution;
import dev.vae4j.train.DiscriminatorObjective;
import dev.vae4j.train.GeneratorObjective;
import dev.vae4j.train.LossTerms;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The composite VAE-GAN objective: LDM's {@code LPIPSWithDiscriminator} and diffusers' AutoencoderKL training script,
 * from a {@link VaeGanConfig}. Images (N, C, H, W) in [-1, 1]; LPIPS needs C = 3.
 *
 * <p>Generator ({@code optimizer_idx 0}): with d = pixel distance (N,C,H,W), p = LPIPS (N,1,1,1) broadcast to every
 * pixel, s the scalar log-variance, {@code nll = reduce((d + p_w p) / e^s + s)} (reduce = {@code sum / N} or mean),
 * {@code kl = sum_n KL_n / N}, {@code g = -mean(D(x̂))} (or the thresholded hinge), {@code d_weight = disc_weight *
 * clamp(||∇nll|| / (||∇g|| + 1e-4), 0, 1e4)} at the decoder's last layer (computed whenever disc_factor > 0, as LDM
 * does), {@code disc_factor = adopt_weight(disc_factor, step, disc_start)}, {@code total = nll + kl_w kl + d_weight
 * disc_factor g}. Logged terms: total, rec (mean pixel distance), p (mean LPIPS), nll, kl, g, d_weight, disc_factor,
 * logvar. LDM's own {@code rec_loss} log equals rec + p_w p.
 *
 * <p>Discriminator ({@code optimizer_idx 1}): {@code disc = disc_factor * loss(D(x), D(x̂))} with both images detached
 * and two separate forward calls, plus the optional R1 and LeCam terms. Logged: d_total, disc, logits_real, logits_fake
 * (means), and r1 / lecam when enabled. Without a discriminator the generator has no GAN term (g = 0).
 */
public final class VaeGanObjective implements GeneratorObjective, DiscriminatorObjective {
    private final VaeGanConfig config;
    private final Lpips lpips;
    private final AdaptiveWeight adaptive;
    private final KlDivergence kl = new KlDivergence(BatchReduction.MEAN);
    private final Module state = new Module();
    private final Tensor logvar;
    private final R1Penalty r1;
    private final LeCamRegularizer lecam;

    /**
     * @param config the recipe
     * @param lpips the perceptual network (null only when {@code perceptualWeight == 0})
     */
    public VaeGanObjective(VaeGanConfig config, Lpips lpips) {
        this.config = Objects.requireNonNull(config, "config");
        if (lpips == null && config.perceptualWeight() > 0) {
            throw new IllegalArgumentException(
                    "perceptual weight " + config.perceptualWeight() + " needs an LPIPS network");
        }
        this.lpips = lpips;
        this.adaptive = new AdaptiveWeight(config.discWeight());
        // our own handle on the parameter: register_parameter and named_parameters().get return references into
        // tables that move or die
        logvar = full(new long[] {}, new Scalar(config.logvarInit()));
        state.register_parameter("logvar", logvar, config.learnLogvar());
        this.r1 = config.r1Gamma() > 0 ? new R1Penalty(config.r1Gamma()) : null;
        this.lecam = config.lecamWeight() > 0 ? new LeCamRegularizer(config.lecamDecay()) : null;
    }

    /** The recipe. */
    public VaeGanConfig config() {
        return config;
    }

    /** The perceptual network, or null when LPIPS is not weighted. */
    public Lpips lpips() {
        return lpips;
    }

    /** The module holding the scalar {@code logvar} parameter (for checkpoints). */
    public Module state() {
        return state;
    }

    /** The log-variance parameter when it is learnable, else nothing. */
    /** LDM's {@code disc_start}, when the GAN term is on ({@code disc_factor > 0}). */
    @Override
    public OptionalLong ganStart() {
        return config.discFactor() > 0 ? OptionalLong.of(config.discStart()) : OptionalLong.empty();
    }

    @Override
    public List<Tensor> parameters() {
        return config.learnLogvar() ? List.of(logvar) : List.of();
    }

    @Override
    public LossTerms generatorLoss(
            Tensor inputs,
            Tensor reconstructions,
            LatentDistribution posterior,
            Discriminator discriminator,
            long step,
            Tensor lastLayerWeight) {
        ImageChecks.requirePair(inputs, reconstructions, "VAE-GAN objective");
        Objects.requireNonNull(posterior, "posterior");
        long n = inputs.size(0);
        Tensor s = logvar.to(reconstructions.device(), reconstructions.scalar_type());
        Tensor dist = config.pixelDistance().elementwise(inputs, reconstructions);
        Tensor rec = dist.detach().mean();
        Tensor recEl = dist;
        Tensor pMean = null;
        if (config.perceptualWeight() > 0) {
            Tensor p = perceptual(inputs, reconstructions);
            pMean = p.detach().mean();
            recEl = dist.add(p.mul(new Scalar(config.perceptualWeight())));
        }
        Tensor nllEl = recEl.div(exp(s)).add(s);
        Tensor nll = config.normalization() == VaeGanConfig.Normalization.SUM_OVER_BATCH
                ? nllEl.sum().div(new Scalar((double) n))
                : nllEl.mean();
        Tensor klLoss = kl.loss(posterior);

        // Without a discriminator (reconstruction-only recipes such as sd-ft-mse) there is no GAN term.
        Tensor g = discriminator == null ? null : generatorGan(inputs, reconstructions, discriminator);
        Tensor dWeight = null;
        if (g != null && config.discFactor() > 0) {
            if (config.adaptiveWeight()) {
                if (lastLayerWeight == null) {
                    throw new IllegalArgumentException("the adaptive GAN weight needs the decoder's last-layer weight");
                }
                dWeight = adaptive.compute(nll, g, lastLayerWeight);
            } else {
                dWeight = LossTerms.constant(config.discWeight(), nll).to(ScalarType.Float);
            }
        }
        double discFactor = AdoptWeight.apply(config.discFactor(), step, config.discStart());
        Tensor total = nll.add(klLoss.mul(new Scalar(config.klWeight())));
        if (dWeight != null && discFactor != 0.0) {
            // LDM's d_weight * disc_factor * g_loss, in that order, in float32
            total = total.add(g.mul(dWeight.mul(new Scalar(discFactor))));
        }
        Map<String, Tensor> terms = new LinkedHashMap<>();
        terms.put("total", total);
        terms.put("rec", rec);
        terms.put("p", pMean == null ? LossTerms.constant(0.0, nll) : pMean);
        terms.put("nll", nll);
        terms.put("kl", klLoss);
        terms.put("g", g == null ? LossTerms.constant(0.0, nll) : g);
        terms.put("d_weight", dWeight == null ? LossTerms.constant(0.0, nll) : dWeight);
        terms.put("disc_factor", LossTerms.constant(discFactor, nll));
        terms.put("logvar", s);
        return new LossTerms(total, terms);
    }

    private Tensor generatorGan(Tensor inputs, Tensor reconstructions, Discriminator discriminator) {
        Tensor logitsFake = discriminator.logits(reconstructions);
        return config.generatorGan()
                .loss(() -> discriminator.logits(inputs.detach()), logitsFake, config.hingeMargin());
    }

    private Tensor perceptual(Tensor inputs, Tensor reconstructions) {
        if (config.perceptualGradient()) {
            return lpips.forward(inputs, reconstructions);
        }
        try (NoGradGuard noGrad = new NoGradGuard()) {
            return lpips.forward(inputs, reconstructions);
        }
    }

    @Override
    public LossTerms discriminatorLoss(Tensor inputs, Tensor reconstructions, Discriminator discriminator, long step) {
        ImageChecks.requirePair(inputs, reconstructions, "VAE-GAN objective");
        Objects.requireNonNull(discriminator, "discriminator");
        Tensor logitsReal = discriminator.logits(inputs.detach());
        Tensor logitsFake = discriminator.logits(reconstructions.detach());
        double discFactor = AdoptWeight.apply(config.discFactor(), step, config.discStart());
        Tensor disc = config.discLoss().loss(logitsReal, logitsFake).mul(new Scalar(discFactor));
        Tensor total = disc;
        Map<String, Tensor> terms = new LinkedHashMap<>();
        terms.put("disc", disc);
        terms.put("logits_real", logitsReal.detach().mean());
        terms.put("logits_fake", logitsFake.detach().mean());
        if (r1 != null) {
            Tensor penalty = r1.penalty(discriminator, inputs);
            terms.put("r1", penalty);
            total = total.add(penalty.mul(new Scalar(discFactor)));
        }
        if (lecam != null) {
            Tensor reg = lecam.regularization(logitsReal, logitsFake);
            terms.put("lecam", reg);
            total = total.add(reg.mul(new Scalar(config.lecamWeight() * discFactor)));
            lecam.update(logitsReal, logitsFake);
        }
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        ordered.put("d_total", total);
        ordered.putAll(terms);
        return new LossTerms(total, ordered);
    }
}
