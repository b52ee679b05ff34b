package dev.vae4j.examples.programs;

import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.tensor.InferenceScope;
import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.train.cache.LatentCacheOptions;
import dev.vae4j.train.cache.LatentCacheWriter;
import dev.vae4j.train.cache.LatentDataset;
import dev.vae4j.train.data.ImageFiles;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;

/**
 * Example: caches the latents of a folder of images, as a latent-diffusion trainer reads them, and reads them back.
 * {@link LatentCacheWriter} resizes and centre-crops each image to RESOLUTION, encodes it and stores its posterior in
 * the model's normalised space ({@code (z - shift) * scale}) in safetensors shards plus an {@code index.json};
 * {@link LatentDataset} then serves batches of posterior means, which are denormalised and decoded back to images.
 *
 * <pre>CacheLatents MODEL_DIR IMAGES_DIR CACHE_DIR RESOLUTION</pre>
 *
 * <p>RESOLUTION must be a multiple of the model's downsampling factor; CACHE_DIR must not hold a cache yet.
 */
public final class CacheLatents {
    private CacheLatents() {}

    /** Runs the example; see the class comment for the arguments. */
    public static void main(String[] args) {
        if (args.length < 4) {
            throw new IllegalArgumentException("usage: CacheLatents MODEL_DIR IMAGES_DIR CACHE_DIR RESOLUTION");
        }
        TrainableAutoencoder model = Autoencoders.load(Path.of(args[0]));
        model.module().train(false);
        Path cache = Path.of(args[2]);
        LatentCacheOptions options = new LatentCacheOptions(Integer.parseInt(args[3]), null, 256, false, 4, 2);
        LatentCacheWriter.Report report = new LatentCacheWriter(
                        model, new ImageFiles(Path.of(args[1])), cache, options, null)
                .write(0, 1, false, (done, total) -> {});
        System.out.printf(
                "cached the latents of %d images in %s (%d skipped)%n", report.encoded(), cache, report.skipped());
        try (LatentDataset latents = LatentDataset.open(cache)) {
            for (int[] indices : latents.epoch(2, 0, 0, false)) {
                try (InferenceScope scope = new InferenceScope()) {
                    LatentDataset.Batch batch = latents.batch(indices, 0, 0, LatentDataset.Mode.MEAN);
                    Tensor z = batch.latents(); // (B, L, h, w), normalised
                    Tensor images = model.decode(model.latentNormalizer().denormalize(z));
                    System.out.printf(
                            "  %s: latents %s -> images %s%n",
                            batch.keys(), Shapes.describe(z), Shapes.describe(images));
                }
            }
        }
    }
}
