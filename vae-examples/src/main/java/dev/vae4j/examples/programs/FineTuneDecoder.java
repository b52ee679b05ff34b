package dev.vae4j.examples.programs;

import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.losses.Lpips;
import dev.vae4j.losses.PixelLoss;
import dev.vae4j.losses.PooledMse;
import dev.vae4j.train.GeneratorObjective;
import dev.vae4j.train.LossTerms;
import dev.vae4j.train.OptimizerSettings;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.Trainer;
import dev.vae4j.train.TrainingState;
import dev.vae4j.train.data.Augmentation;
import dev.vae4j.train.data.ImageFolderDataset;
import dev.vae4j.train.listeners.MetricsLog;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Example: fine-tunes only the decoder of a pretrained autoencoder on a folder of images (the way {@code sd-vae-ft-mse}
 * was made), with a loss composed from vae-losses: L1 + 0.5 x pooled MSE (4x4 average pooling), plus 0.1 x LPIPS when
 * LPIPS weights are given. Writes the tuned model to {@code OUT_DIR/model}.
 *
 * <pre>FineTuneDecoder MODEL_DIR IMAGES_DIR OUT_DIR STEPS IMAGE_SIZE [LPIPS_WEIGHTS]</pre>
 *
 * <p>IMAGE_SIZE is the side of the random crops (a multiple of the model's downsampling factor and of 4).
 */
public final class FineTuneDecoder {
    private FineTuneDecoder() {}

    /** Runs the example; see the class comment for the arguments. */
    public static void main(String[] args) {
        if (args.length < 5) {
            throw new IllegalArgumentException(
                    "usage: FineTuneDecoder MODEL_DIR IMAGES_DIR OUT_DIR STEPS IMAGE_SIZE [LPIPS_WEIGHTS]");
        }
        TrainableAutoencoder model = Autoencoders.load(Path.of(args[0]));
        Path out = Path.of(args[2]);
        Lpips lpips = args.length > 5 ? Lpips.fromSafetensors(Path.of(args[5])) : null;
        PixelLoss l1 = PixelLoss.l1();
        PooledMse pooled = new PooledMse(4);
        GeneratorObjective loss = (images, reconstructions, posterior, discriminator, step, lastLayer) -> {
            Map<String, Tensor> terms = new LinkedHashMap<>();
            Tensor rec = l1.loss(images, reconstructions);
            Tensor coarse = pooled.loss(images, reconstructions);
            Tensor total = rec.add(coarse.mul(new Scalar(0.5)));
            terms.put("l1", rec);
            terms.put("pooled", coarse);
            if (lpips != null) {
                Tensor perceptual = lpips.forward(reconstructions, images).mean();
                total = total.add(perceptual.mul(new Scalar(0.1)));
                terms.put("lpips", perceptual);
            }
            terms.put("total", total);
            return new LossTerms(total, terms);
        };
        TrainConfig config = TrainConfig.builder(Long.parseLong(args[3]), 2, OptimizerSettings.adam(1e-5, 0.9, 0.999))
                .decoderOnly(true)
                .logEvery(1)
                .build();
        Trainer trainer =
                Trainer.builder(model, loss, config, out.resolve("checkpoints")).build();
        ImageFolderDataset images =
                new ImageFolderDataset(Path.of(args[1]), Augmentation.training(Integer.parseInt(args[4])));
        MetricsLog log = new MetricsLog(out);
        TrainingState end = trainer.train(images, List.of(log));
        model.save(out.resolve("model"));
        System.out.printf(
                "fine-tuned the decoder for %d steps; model in %s, losses in %s%n",
                end.step(), out.resolve("model"), log.file());
    }
}
