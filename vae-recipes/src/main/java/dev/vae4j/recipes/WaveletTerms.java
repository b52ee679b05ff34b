package dev.vae4j.recipes;

import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.model.LatentDistribution;
import dev.vae4j.dwt.loss.GaussianHighFrequencyLoss;
import dev.vae4j.dwt.loss.WaveletLoss;
import dev.vae4j.train.GeneratorObjective;
import dev.vae4j.train.LossTerms;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * LiteVAE's high-frequency terms added to a generator objective: {@code total + w_wave * wavelet(x, x̂) + w_gauss *
 * gaussian(x, x̂)} (logged as {@code wave} and {@code gauss}). Images (N, C, H, W) in [-1, 1].
 */
final class WaveletTerms implements GeneratorObjective {
    private final GeneratorObjective base;
    private final double waveletWeight;
    private final double gaussianWeight;
    private final WaveletLoss wavelet = new WaveletLoss();
    private final GaussianHighFrequencyLoss gaussian = new GaussianHighFrequencyLoss();

    private WaveletTerms(GeneratorObjective base, double waveletWeight, double gaussianWeight) {
        this.base = base;
        this.waveletWeight = waveletWeight;
        this.gaussianWeight = gaussianWeight;
    }

    /** {@code base} itself when both weights are 0, else {@code base} with the weighted terms. */
    static GeneratorObjective around(GeneratorObjective base, ObjectiveSpec spec) {
        if (spec.waveletWeight() == 0 && spec.gaussianWeight() == 0) {
            return base;
        }
        if (spec.waveletWeight() < 0 || spec.gaussianWeight() < 0) {
            throw new IllegalArgumentException("wavelet_weight and gaussian_weight must be >= 0");
        }
        return new WaveletTerms(base, spec.waveletWeight(), spec.gaussianWeight());
    }

    @Override
    public LossTerms generatorLoss(
            Tensor inputs,
            Tensor reconstructions,
            LatentDistribution posterior,
            Discriminator discriminator,
            long step,
            Tensor lastLayerWeight) {
        LossTerms loss = base.generatorLoss(inputs, reconstructions, posterior, discriminator, step, lastLayerWeight);
        Tensor wave = wavelet.compute(inputs, reconstructions);
        Tensor gauss = gaussian.compute(inputs, reconstructions);
        Tensor total = loss.total().add(wave.mul(new Scalar(waveletWeight))).add(gauss.mul(new Scalar(gaussianWeight)));
        Map<String, Tensor> terms = new LinkedHashMap<>(loss.terms());
        terms.put("total", total);
        terms.put("wave", wave);
        terms.put("gauss", gauss);
        return new LossTerms(total, terms);
    }

    @Override
    public List<Tensor> parameters() {
        return base.parameters();
    }
}
