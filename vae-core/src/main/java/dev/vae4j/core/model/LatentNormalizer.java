package dev.vae4j.core.model;

import static org.bytedeco.pytorch.global.torch.tensor;

import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The latent scaling diffusion pipelines apply around a VAE (diffusers semantics): with a scalar shift, {@code latents
 * = (z - shift) * scale} and back {@code z = latents / scale + shift}; with per-channel statistics (SDXL-family
 * {@code latents_mean}/{@code latents_std}), {@code latents = (z - mean) * scale / std}. Works on (N, L, h, w) tensors;
 * the model itself never applies it.
 */
public final class LatentNormalizer {
    private final double scale;
    private final double shift;
    private final float[] channelMean;
    private final float[] channelStd;

    private LatentNormalizer(double scale, double shift, float[] channelMean, float[] channelStd) {
        this.scale = scale;
        this.shift = shift;
        this.channelMean = channelMean;
        this.channelStd = channelStd;
    }

    /** {@code (z - shift) * scale}. */
    public static LatentNormalizer of(double scale, double shift) {
        return new LatentNormalizer(scale, shift, null, null);
    }

    /** The normalizer described by a diffusers config (scaling_factor, shift_factor, latents_mean/std). */
    public static LatentNormalizer of(AutoencoderKLConfig config) {
        double shift = config.shiftFactor() == null ? 0.0 : config.shiftFactor();
        if (config.latentsMean() == null) {
            return of(config.scalingFactor(), shift);
        }
        return new LatentNormalizer(
                config.scalingFactor(), 0.0, toArray(config.latentsMean()), toArray(config.latentsStd()));
    }

    /** No scaling at all. */
    public static LatentNormalizer identity() {
        return of(1.0, 0.0);
    }

    private static float[] toArray(List<Double> values) {
        float[] array = new float[values.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = values.get(i).floatValue();
        }
        return array;
    }

    /** Scale factor. */
    public double scale() {
        return scale;
    }

    /** Scalar shift (0 when per-channel statistics are used). */
    public double shift() {
        return shift;
    }

    /** Raw latents z (N, L, h, w) -> diffusion-space latents. */
    public Tensor normalize(Tensor z) {
        if (channelMean == null) {
            return z.sub(new Scalar(shift)).mul(new Scalar(scale));
        }
        return z.sub(channelTensor(channelMean, z)).mul(new Scalar(scale)).div(channelTensor(channelStd, z));
    }

    /** Diffusion-space latents (N, L, h, w) -> raw latents z for the decoder. */
    public Tensor denormalize(Tensor latents) {
        if (channelMean == null) {
            return latents.div(new Scalar(scale)).add(new Scalar(shift));
        }
        return latents.mul(channelTensor(channelStd, latents))
                .div(new Scalar(scale))
                .add(channelTensor(channelMean, latents));
    }

    private static Tensor channelTensor(float[] values, Tensor like) {
        if (like.dim() != 4 || like.size(1) != values.length) {
            throw new IllegalArgumentException("latents need " + values.length + " channels for per-channel"
                    + " normalisation, got " + dev.vae4j.core.tensor.Shapes.describe(like));
        }
        // float32 statistics, as diffusers builds them with torch.tensor(list).
        return tensor(values).to(like.device(), like.scalar_type()).view(1, values.length, 1, 1);
    }
}
