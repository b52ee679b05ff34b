package dev.vae4j.core.model;

import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/** What the trainer needs of an autoencoder beyond encoding and decoding: its parameters and how to save it. */
public interface TrainableAutoencoder extends Autoencoder {
    /** The module holding every parameter (train/eval mode, device moves, state dict). */
    Module module();

    /** Parameters of the decoding path only, trained alone by decoder-only fine-tuning (SD {@code ft-mse}). */
    List<Tensor> decoderParameters();

    /** The decoder's last-layer weight, differentiated by LDM's adaptive GAN weight. */
    Tensor lastLayerWeight();

    /**
     * Decodes a sample (N, L, h, w) of this model's own {@link #encode} posterior into images (N, C, h*f, w*f), as the
     * training loop does; {@link #decode} unless the model's decode would redo part of the encoding (a VQ model's
     * quantization).
     */
    default Tensor decodeSample(Tensor latents) {
        return decode(latents);
    }

    /** Writes the model in its loadable folder format (e.g. a diffusers folder). */
    void save(Path dir);
}
