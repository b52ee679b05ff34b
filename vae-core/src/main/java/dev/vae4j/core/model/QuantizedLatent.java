package dev.vae4j.core.model;

import dev.vae4j.core.quant.Quantization;
import java.util.Objects;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * The "posterior" of a quantizing encoder ({@link VQModel}): all its mass on the quantized latents (N, D, h, w) of one
 * {@link Quantization}, which it carries so that a training objective can add the quantizer's loss (taming's
 * {@code qloss}) and log codebook usage. Sampling and the mode return the quantized latents (with their
 * straight-through gradient); like a {@link DeterministicLatent} its KL is zero.
 */
public final class QuantizedLatent implements LatentDistribution {
    private final Quantization quantization;
    private final DeterministicLatent point;

    /** @param quantization what the quantizer returned for the encoder's latents */
    public QuantizedLatent(Quantization quantization) {
        this.quantization = Objects.requireNonNull(quantization, "quantization");
        this.point = new DeterministicLatent(quantization.quantized());
    }

    /** The quantization: quantized latents, the quantizer's scalar loss, indices (N, h, w) and index range. */
    public Quantization quantization() {
        return quantization;
    }

    @Override
    public Tensor mean() {
        return point.mean();
    }

    @Override
    public Tensor logvar() {
        return point.logvar();
    }

    /** The quantized latents, whatever the noise. */
    @Override
    public Tensor sample(Tensor noise) {
        return point.sample(noise);
    }

    /** The quantized latents, drawing nothing. */
    @Override
    public Tensor sample(Generator generator) {
        return point.sample(generator);
    }

    @Override
    public Tensor mode() {
        return point.mode();
    }

    /** Zeros, (N). */
    @Override
    public Tensor kl() {
        return point.kl();
    }
}
