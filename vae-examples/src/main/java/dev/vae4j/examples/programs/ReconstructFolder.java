package dev.vae4j.examples.programs;

import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.TiledCodec;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.tensor.InferenceScope;
import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.train.metrics.Psnr;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;

/**
 * Example: reconstructs every image of a folder through an autoencoder with tiled encoding and decoding, so an image
 * larger than a tile runs in bounded memory, and prints each image's size, latent shape and PSNR.
 *
 * <pre>ReconstructFolder MODEL_DIR INPUT_DIR OUTPUT_DIR [TILE_PIXELS (default 256)]</pre>
 *
 * <p>MODEL_DIR is a model folder {@link Autoencoders#load} reads (a diffusers {@code AutoencoderKL} folder, a LiteVAE
 * folder). Image sides must be multiples of the model's downsampling factor; tiles overlap by 25%.
 */
public final class ReconstructFolder {
    private ReconstructFolder() {}

    /** Runs the example; see the class comment for the arguments. */
    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: ReconstructFolder MODEL_DIR INPUT_DIR OUTPUT_DIR [TILE_PIXELS]");
        }
        TrainableAutoencoder model = Autoencoders.load(Path.of(args[0]));
        model.module().train(false);
        int tile = args.length > 3 ? Integer.parseInt(args[3]) : 256;
        TiledCodec codec = new TiledCodec(model, tile, 0.25);
        Path output = Files.createDirectories(Path.of(args[2]));
        for (Path file : ImageTensors.listImages(Path.of(args[1]))) {
            try (InferenceScope scope = new InferenceScope()) {
                Tensor image = ImageTensors.read(file, model.imageChannels()); // (1, C, H, W) in [-1, 1]
                Tensor latents = codec.encode(image).mode(); // (1, L, H/f, W/f)
                Tensor decoded = codec.decode(latents); // (1, C, H, W)
                String name = file.getFileName().toString().replaceFirst("\\.[^.]+$", "") + ".png";
                ImageTensors.writePng(decoded, output.resolve(name));
                System.out.printf(
                        "%s: %dx%d -> latents %s -> %s, PSNR %.2f dB%n",
                        file.getFileName(),
                        image.size(3),
                        image.size(2),
                        Shapes.describe(latents),
                        name,
                        Psnr.mean(image, decoded));
            }
        }
    }
}
