package dev.vae4j.core.model;

import dev.vae4j.core.tensor.Precision;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A model run with {@link InferenceOptions} (made by {@link InferenceOptions#apply}): {@code encode} and {@code decode}
 * take and return the shapes of the wrapped model, and always return float32, contiguous tensors whatever precision and
 * memory format the model computed in. Everything else is the wrapped model's.
 */
public final class InferenceAutoencoder extends ForwardingAutoencoder {
    private final InferenceOptions options;

    InferenceAutoencoder(Autoencoder model, InferenceOptions options) {
        super(model);
        this.options = options;
    }

    /** The options the calls use. */
    public InferenceOptions options() {
        return options;
    }

    /** The precision the wrapped model actually runs in (float32 for fp16 on a {@code force_upcast} model). */
    public Precision effectivePrecision() {
        return options.precisionFor(model.forceUpcast());
    }

    /** The posterior (float32 mean and log-variance, (N, L, H/f, W/f)) of images (N, C, H, W). */
    @Override
    public DiagonalGaussian encode(Tensor images) {
        LatentDistribution posterior = options.within(images, model.forceUpcast(), model::encode);
        return DiagonalGaussian.of(float32(posterior.mean()), float32(posterior.logvar()));
    }

    /** Latents (N, L, h, w) to float32 images (N, C, h*f, w*f). */
    @Override
    public Tensor decode(Tensor latents) {
        return options.run(latents, model.forceUpcast(), model::decode);
    }

    private static Tensor float32(Tensor t) {
        return t.to(ScalarType.Float).contiguous();
    }
}
