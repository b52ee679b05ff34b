package dev.vae4j.examples.programs;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.dwt.loss.GaussianHighFrequencyLoss;
import dev.vae4j.dwt.loss.WaveletLoss;
import dev.vae4j.dwt.model.LiteVae;
import dev.vae4j.dwt.model.LiteVaeConfig;
import dev.vae4j.losses.BatchReduction;
import dev.vae4j.losses.KlDivergence;
import dev.vae4j.losses.PixelLoss;
import dev.vae4j.train.GeneratorObjective;
import dev.vae4j.train.LossTerms;
import dev.vae4j.train.OptimizerSettings;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.Trainer;
import dev.vae4j.train.data.SyntheticImages;
import dev.vae4j.train.listeners.MetricsLog;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Example: trains a small LiteVAE (Haar wavelet encoder, SMC decoder; downsampling factor 8, 4 latent channels) from
 * scratch on the built-in synthetic images with LiteVAE's losses: L1 + 0.01 x KL + 0.1 x wavelet loss (L1 of the Haar
 * detail coefficients) + 0.1 x Gaussian high-frequency loss. Writes the model to {@code OUT_DIR/model} and the losses
 * to {@code OUT_DIR/metrics.jsonl}.
 *
 * <pre>TrainLiteVae OUT_DIR STEPS [IMAGE_SIZE (default 32, a multiple of 8)]</pre>
 */
public final class TrainLiteVae {
    /** open-LiteVAE's small preset narrowed to a few thousand parameters per part. */
    private static final LiteVaeConfig CONFIG = LiteVaeConfig.preset("open-s").toBuilder()
            .latentChannels(4)
            .extractorChannels(8)
            .extractorMult(List.of(1, 2))
            .extractorBlocks(1)
            .aggregatorChannels(8)
            .aggregatorMult(List.of(1, 2))
            .aggregatorBlocks(1)
            .normGroups(4)
            .decoderChannels(8)
            .decoderMult(List.of(1, 2, 2, 2))
            .decoderResBlocks(1)
            .build();

    private TrainLiteVae() {}

    /** Runs the example; see the class comment for the arguments. */
    public static void main(String[] args) {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: TrainLiteVae OUT_DIR STEPS [IMAGE_SIZE]");
        }
        Path out = Path.of(args[0]);
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        LiteVae model = new LiteVae(CONFIG);
        PixelLoss l1 = PixelLoss.l1();
        KlDivergence kl = new KlDivergence(BatchReduction.MEAN);
        WaveletLoss wavelet = new WaveletLoss();
        GaussianHighFrequencyLoss gaussian = new GaussianHighFrequencyLoss();
        GeneratorObjective loss = (images, reconstructions, posterior, discriminator, step, lastLayer) -> {
            Map<String, Tensor> parts = new LinkedHashMap<>();
            parts.put("l1", l1.loss(images, reconstructions));
            parts.put("kl", kl.loss(posterior).mul(new Scalar(0.01)));
            parts.put("wave", wavelet.compute(images, reconstructions).mul(new Scalar(0.1)));
            parts.put("gauss", gaussian.compute(images, reconstructions).mul(new Scalar(0.1)));
            Tensor total = parts.values().stream().reduce(Tensor::add).orElseThrow();
            Map<String, Tensor> terms = new LinkedHashMap<>(parts);
            terms.put("total", total);
            return new LossTerms(total, terms);
        };
        TrainConfig config = TrainConfig.builder(Long.parseLong(args[1]), 4, OptimizerSettings.adam(1e-3, 0.9, 0.999))
                .gradClip(1.0)
                .logEvery(1)
                .build();
        MetricsLog log = new MetricsLog(out);
        Trainer.builder(model, loss, config, out.resolve("checkpoints"))
                .build()
                .train(new SyntheticImages(64, size, 0, true), List.of(log));
        model.save(out.resolve("model"));
        System.out.printf(
                "trained a LiteVAE with %,d parameters; model in %s, losses in %s%n",
                StateDict.parameterCount(model), out.resolve("model"), log.file());
    }
}
