package dev.vae4j.examples.programs;

import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.metrics.Psnr;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.tensor.InferenceScope;
import dev.vae4j.core.tensor.Shapes;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Example: caches the latents of a folder of images, as a diffusion model trains on them, and reads them back.
 * Each image is encoded to its posterior mode, normalised with the model's latent scaling ({@code (z - shift) *
 * scale}) and stored under its file name in one safetensors file (with the scaling in the file's metadata). The
 * file is then opened again, every latent denormalised and decoded, and the PSNR of the round trip printed.
 *
 * <pre>CacheLatents MODEL_DIR IMAGES_DIR LATENTS_FILE</pre>
 *
 * <p>Image sides must be multiples of the model's downsampling factor; the images may differ in size.
 */
public final class CacheLatents {
    private CacheLatents() {
    }

    /** Runs the example; see the class comment for the arguments. */
    public static void main(String[] args) {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: CacheLatents MODEL_DIR IMAGES_DIR LATENTS_FILE");
        }
        TrainableAutoencoder model = Autoencoders.load(Path.of(args[0]));
        model.module().train(false);
        LatentNormalizer scaling = model.latentNormalizer();
        List<Path> files = ImageTensors.listImages(Path.of(args[1]));
        Path cache = Path.of(args[2]);
        try (InferenceScope scope = new InferenceScope()) {
            Map<String, Tensor> latents = new LinkedHashMap<>();
            for (Path file : files) {
                Tensor image = ImageTensors.read(file, model.imageChannels());     // (1, C, H, W)
                latents.put(file.getFileName().toString(), scaling.normalize(model.encode(image).mode()));
            }
            SafetensorsWriter.write(cache, latents, Map.of("scaling_factor", String.valueOf(scaling.scale()),
                    "shift_factor", String.valueOf(scaling.shift())));
        }
        System.out.printf("cached the latents of %d images in %s%n", files.size(), cache);
        try (SafetensorsReader reader = SafetensorsReader.open(cache)) {
            for (Path file : files) {
                try (InferenceScope scope = new InferenceScope()) {
                    Tensor z = reader.load(file.getFileName().toString());           // (1, L, H/f, W/f)
                    Tensor decoded = model.decode(scaling.denormalize(z));
                    System.out.printf("  %s: latents %s, decoded PSNR %.2f dB%n", file.getFileName(),
                            Shapes.describe(z), Psnr.mean(ImageTensors.read(file, model.imageChannels()), decoded));
                }
            }
        }
    }
}
