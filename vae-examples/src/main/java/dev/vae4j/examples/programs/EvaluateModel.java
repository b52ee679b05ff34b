package dev.vae4j.examples.programs;

import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.eval.Evaluation;
import dev.vae4j.eval.EvaluationOptions;
import dev.vae4j.eval.ReconstructionEvaluator;
import dev.vae4j.train.data.Augmentation;
import dev.vae4j.train.data.ImageFolderDataset;
import java.nio.file.Path;

/**
 * Example: evaluates an autoencoder on a folder of images with the engine behind {@code vae evaluate}, from the
 * library: each image is resized and centre-cropped to IMAGE_SIZE, reconstructed from the posterior mode, and compared
 * with PSNR and SSIM (plus LPIPS when LPIPS weights are given). Prints the summary and the worst image.
 *
 * <pre>EvaluateModel MODEL_DIR IMAGES_DIR IMAGE_SIZE [LPIPS_WEIGHTS]</pre>
 */
public final class EvaluateModel {
    private EvaluateModel() {}

    /** Runs the example; see the class comment for the arguments. */
    public static void main(String[] args) {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: EvaluateModel MODEL_DIR IMAGES_DIR IMAGE_SIZE [LPIPS_WEIGHTS]");
        }
        TrainableAutoencoder model = Autoencoders.load(Path.of(args[0]));
        ImageFolderDataset images =
                new ImageFolderDataset(Path.of(args[1]), Augmentation.center(Integer.parseInt(args[2])));
        Path lpips = args.length > 3 ? Path.of(args[3]) : null;
        Evaluation result;
        try (ReconstructionEvaluator evaluator =
                ReconstructionEvaluator.builder().lpips(lpips).worst(1).build()) {
            result = evaluator.evaluate(
                    model, images, EvaluationOptions.defaults().withBatchSize(4));
        }
        System.out.printf("%d images in %.1f s%n", result.images(), result.seconds());
        result.summary().forEach((metric, mean) -> System.out.printf("  %-5s %.4f%n", metric, mean));
        System.out.println("lowest PSNR: " + result.worst().names());
    }
}
