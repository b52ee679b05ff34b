package dev.vae4j.losses;

import static org.bytedeco.pytorch.global.torch.bincount;
import static org.bytedeco.pytorch.global.torch.log;

import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.model.LatentDistribution;
import dev.vae4j.core.model.QuantizedLatent;
import dev.vae4j.core.quant.Quantization;
import dev.vae4j.train.DiscriminatorObjective;
import dev.vae4j.train.GeneratorObjective;
import dev.vae4j.train.LossTerms;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * taming-transformers' {@code VQLPIPSWithDiscriminator} ({@code taming/modules/losses/vqperceptual.py}) for VQ models
 * whose encoder returns a {@link QuantizedLatent}. Images (N, C, H, W) in [-1, 1]; LPIPS needs C = 3.
 *
 * <p>Generator: {@code nll = mean(d + p_w p)} over every element (d the pixel distance, p LPIPS broadcast per pixel),
 * {@code g = -mean(D(x̂))}, {@code d_weight = disc_weight * clamp(||∇nll|| / (||∇g|| + 1e-4), 0, 1e4)} at the decoder's
 * last layer, {@code disc_factor = adopt_weight(disc_factor, step, gan_start)}, {@code total = nll + d_weight
 * disc_factor g + codebook_weight qloss} with {@code qloss} the quantizer's loss (codebook + commitment). Logged:
 * total, quant_loss, nll (taming's nll_loss and rec_loss), rec (mean pixel distance), p (mean LPIPS), g, d_weight,
 * disc_factor, and the batch's codebook usage (fraction of codes used) and perplexity, computed on the device.
 *
 * <p>Discriminator: {@code disc_factor * loss(D(x), D(x̂))} (hinge or vanilla) with both images detached, as in
 * {@link VaeGanObjective}, its factor from {@code discStart} on; the generator's GAN factor starts at {@code ganStart}
 * (later for pytorch-diffusion's {@code LPIPSWithDiscriminator}, {@link VqGanConfig#pytorchDiffusion()}, which also
 * computes the term only from then on: {@link VqGanConfig#lazyGan()}).
 */
public final class VqGanObjective implements GeneratorObjective, DiscriminatorObjective {
    private final VqGanConfig config;
    private final VaeGanObjective ganTerms;
    private final VaeGanObjective discriminatorTerms;

    /**
     * @param config the weights
     * @param lpips the perceptual network (null only when {@code perceptualWeight == 0})
     * @throws IllegalArgumentException when LPIPS is weighted but absent
     */
    public VqGanObjective(VqGanConfig config, Lpips lpips) {
        this.config = Objects.requireNonNull(config, "config");
        this.ganTerms = new VaeGanObjective(config.ganTerms(config.ganStart()), lpips);
        this.discriminatorTerms = config.ganStart() == config.discStart()
                ? ganTerms
                : new VaeGanObjective(config.ganTerms(config.discStart()), lpips);
    }

    /** The weights. */
    public VqGanConfig config() {
        return config;
    }

    /** The first step of the generator's GAN term ({@code ganStart}), when it is on ({@code disc_factor > 0}). */
    @Override
    public OptionalLong ganStart() {
        return ganTerms.ganStart();
    }

    /**
     * {@inheritDoc}
     *
     * @param posterior the {@link QuantizedLatent} of a VQ model's encoder
     * @throws IllegalArgumentException when the posterior carries no quantization (the model is not a VQ model)
     */
    @Override
    public LossTerms generatorLoss(
            Tensor inputs,
            Tensor reconstructions,
            LatentDistribution posterior,
            Discriminator discriminator,
            long step,
            Tensor lastLayerWeight) {
        if (!(posterior instanceof QuantizedLatent quantized)) {
            throw new IllegalArgumentException("the VQ-GAN objective needs a VQ model's quantized latents, got a "
                    + (posterior == null
                            ? "null posterior"
                            : posterior.getClass().getSimpleName()));
        }
        Quantization quantization = quantized.quantization();
        boolean ganOff = config.lazyGan() && step < config.ganStart();
        LossTerms gan = ganTerms.generatorLoss(
                inputs, reconstructions, posterior, ganOff ? null : discriminator, step, lastLayerWeight);
        Tensor qloss = quantization.loss().mean();
        // a zero codebook weight keeps the quantizer's loss out of the graph: the codebook then gets no gradient at all
        Tensor total = config.codebookWeight() == 0.0
                ? gan.total()
                : gan.total().add(qloss.mul(new Scalar(config.codebookWeight())));
        Map<String, Tensor> terms = new LinkedHashMap<>();
        terms.put("total", total);
        terms.put("quant_loss", qloss);
        for (String name : new String[] {"nll", "rec", "p", "g", "d_weight", "disc_factor"}) {
            terms.put(name, gan.terms().get(name));
        }
        Tensor counts = bincount(quantization.indices().reshape(-1), new TensorOptional(), quantization.indexRange())
                .to(ScalarType.Double);
        Tensor frequencies = counts.div(counts.sum());
        terms.put("usage", counts.gt(new Scalar(0.0)).to(ScalarType.Double).mean());
        terms.put(
                "perplexity",
                frequencies
                        .mul(log(frequencies.add(new Scalar(1e-10))))
                        .sum()
                        .neg()
                        .exp());
        return new LossTerms(total, terms);
    }

    @Override
    public LossTerms discriminatorLoss(Tensor inputs, Tensor reconstructions, Discriminator discriminator, long step) {
        return discriminatorTerms.discriminatorLoss(inputs, reconstructions, discriminator, step);
    }
}
