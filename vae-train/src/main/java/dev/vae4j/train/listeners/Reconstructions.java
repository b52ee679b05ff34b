package dev.vae4j.train.listeners;

import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.train.data.ImageArray;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Reconstructs a fixed batch with the posterior mode, in eval mode and without autograd (diffusers' validation). */
final class Reconstructions {
    private Reconstructions() {}

    /** Inputs (N, C, H, W) on the model's device as float32, and their reconstructions, on the CPU. */
    static Tensor[] of(TrainableAutoencoder model, List<ImageArray> batch, Device device) {
        boolean wasTraining = model.module().is_training();
        model.module().train(false);
        try (InferenceMode inference = new InferenceMode()) {
            Tensor inputs = ImageArray.toBatch(batch).to(device, ScalarType.Float);
            Autoencoder autoencoder = model;
            Tensor output = autoencoder.decode(autoencoder.encode(inputs).mode());
            return new Tensor[] {inputs.cpu(), output.to(ScalarType.Float).cpu()};
        } finally {
            model.module().train(wasTraining);
        }
    }
}
