package dev.vae4j.examples;

import dev.vae4j.core.cache.LatentDataset;
import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.core.tensor.TensorScope;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;

/**
 * Example: what a JVM latent-diffusion trainer does with a latent cache written by
 * {@code vae encode --output CACHE/}. It iterates one epoch of posterior samples in batches (shuffled across shards,
 * one crop shape per batch) and prints each batch's shape, keys and first caption; given a model folder it decodes
 * the first latent of the first batch back to {@code first-decoded.png} (denormalise, then decode).
 *
 * <pre>{@code java -cp ... dev.vae4j.examples.LatentCacheExample CACHE_DIR [BATCH_SIZE] [MODEL_DIR]}</pre>
 */
public final class LatentCacheExample {
    private LatentCacheExample() {
    }

    /**
     * Runs the example.
     *
     * @param args cache folder, optional batch size (default 8), optional model folder
     */
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: LatentCacheExample CACHE_DIR [BATCH_SIZE] [MODEL_DIR]");
            System.exit(2);
        }
        Path folder = Path.of(args[0]);
        int batchSize = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        long seed = 0;
        long epoch = 0;
        try (InferenceMode noGrad = new InferenceMode(); LatentDataset cache = LatentDataset.open(folder)) {
            System.out.println(cache.size() + " cached samples, shapes " + cache.index().get("shapes"));
            List<int[]> batches = cache.epoch(batchSize, seed, epoch, true);
            for (int b = 0; b < batches.size(); b++) {
                try (TensorScope step = new TensorScope()) {
                    LatentDataset.Batch batch = cache.batch(batches.get(b), seed, epoch, LatentDataset.Mode.SAMPLE);
                    System.out.println("batch " + b + ": latents " + Shapes.describe(batch.latents()) + ", keys "
                            + batch.keys() + ", first caption " + batch.captions().get(0));
                    if (b == 0 && args.length > 2) {
                        Autoencoder model = Autoencoders.load(Path.of(args[2]));
                        Tensor z = model.latentNormalizer().denormalize(batch.latents().narrow(0, 0, 1));
                        ImageTensors.writePng(model.decode(z), Path.of("first-decoded.png"));
                        System.out.println("decoded " + batch.keys().get(0) + " -> first-decoded.png");
                    }
                }
            }
        }
    }
}
