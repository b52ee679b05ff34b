package example.consumer;

import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.DiagonalGaussian;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.core.tensor.InferenceScope;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;

/**
 * The README's Java snippet, verbatim: its imports above, its statements at the start of {@link #main} (left
 * unindented so the lines match the README character for character). Run it in a folder holding a diffusers
 * model folder {@code sd-vae-ft-mse} and an image {@code cat.png}; it writes {@code cat-vae.png}.
 */
public final class ReadmeSnippet {
    private ReadmeSnippet() {
    }

    /** Encodes and decodes {@code cat.png} with the model in {@code sd-vae-ft-mse}. */
    public static void main(String[] args) {
// ---- README snippet: begin
AutoencoderKL vae = AutoencoderKL.fromPretrained(Path.of("sd-vae-ft-mse"));
LatentNormalizer scaling = vae.latentNormalizer();                  // (z - shift) * scale
try (InferenceScope scope = new InferenceScope()) {
    Tensor images = ImageTensors.read(Path.of("cat.png"));          // (1, 3, H, W) in [-1, 1]; H, W multiples of 8
    DiagonalGaussian posterior = vae.encode(images);
    Tensor latents = scaling.normalize(posterior.mode());           // (1, 4, H/8, W/8), what a diffusion model sees
    Tensor decoded = vae.decode(scaling.denormalize(latents));      // (1, 3, H, W)
    ImageTensors.writePng(decoded, Path.of("cat-vae.png"));         // quantised like diffusers' VaeImageProcessor
}                                                                   // all tensors of the block are freed here
// ---- README snippet: end
        System.out.println("wrote cat-vae.png");
    }
}
