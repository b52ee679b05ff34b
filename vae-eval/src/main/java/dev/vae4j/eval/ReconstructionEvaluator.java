package dev.vae4j.eval;

import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.quant.Quantizer;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.eval.fid.FidInceptionV3;
import dev.vae4j.losses.Lpips;
import dev.vae4j.train.data.ImageArray;
import dev.vae4j.train.data.ImageDataset;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.DistributedContext;
import dev.vae4j.train.metrics.Psnr;
import dev.vae4j.train.metrics.Ssim;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The evaluation engine shared by {@code vae evaluate} and the training-time {@link PeriodicEvaluation}: streams an
 * image set (RGB, centre-cropped squares in [-1, 1]) through an autoencoder batch by batch, each batch in its own
 * tensor scope under inference mode, and accumulates per image PSNR (dB, data range 1 after mapping to [0, 1]), SSIM
 * and, when LPIPS weights are given, LPIPS (VGG); over the set, when Inception weights are given, rFID; plus
 * per-channel statistics of the normalised latents and the worst reconstructions. Reconstructions are the decoded
 * posterior mode clamped to [-1, 1]. The model runs on its device in eval mode (its previous mode is restored); metrics
 * run on the CPU. Memory does not grow with the number of images. The LPIPS and Inception networks are loaded once, so
 * one evaluator serves many evaluations.
 *
 * <p>In a data-parallel job every rank calls {@link #evaluate} together: rank r evaluates images r, r + W, ..., then
 * the per-image statistics, latent statistics and Inception feature statistics are combined across ranks, so every rank
 * returns the metrics of the whole set (the worst reconstructions are those of each rank's own share); only rank 0
 * writes the reference-statistics cache.
 */
public final class ReconstructionEvaluator implements AutoCloseable {
    /** Bins of the per-channel latent histogram. */
    public static final int HISTOGRAM_BINS = 80;
    /** The latent histogram covers [-range, range]. */
    public static final double HISTOGRAM_RANGE = 4.0;

    private final Ssim.Border border;
    private final Path lpipsWeights;
    private final Lpips lpips;
    private final FidInceptionV3 inception;
    private final int worst;

    private ReconstructionEvaluator(Builder options) {
        this.border = options.border;
        this.lpipsWeights = options.lpips;
        this.lpips = options.lpips == null ? null : Lpips.fromSafetensors(options.lpips);
        this.inception = options.inception == null ? null : FidInceptionV3.fromSafetensors(options.inception);
        this.worst = options.worst;
    }

    /** An evaluator of PSNR and SSIM (valid border), keeping the 8 worst reconstructions; add LPIPS and rFID to it. */
    public static Builder builder() {
        return new Builder();
    }

    /** What a {@link ReconstructionEvaluator} measures; {@link #build()} loads the metric networks. */
    public static final class Builder {
        private Ssim.Border border = Ssim.Border.VALID;
        private Path lpips;
        private Path inception;
        private int worst = 8;

        private Builder() {}

        /** SSIM border handling (default {@link Ssim.Border#VALID}, as skimage). */
        public Builder ssimBorder(Ssim.Border value) {
            this.border = value;
            return this;
        }

        /** Also LPIPS (VGG), with the weights of this safetensors file ({@code vae convert --to lpips}). */
        public Builder lpips(Path weights) {
            this.lpips = weights;
            return this;
        }

        /** Also rFID, with the FID Inception weights of this safetensors file (torchvision names). */
        public Builder inception(Path weights) {
            this.inception = weights;
            return this;
        }

        /** Reconstructions kept for {@link Evaluation#worst()} (at least 1; default 8). */
        public Builder worst(int count) {
            this.worst = count;
            return this;
        }

        /**
         * Loads the metric networks.
         *
         * @throws dev.vae4j.core.io.WeightLoadingException if a weights file does not fit its network
         */
        public ReconstructionEvaluator build() {
            if (border == null) {
                throw new IllegalArgumentException("the SSIM border is required");
            }
            if (worst < 1) {
                throw new IllegalArgumentException("number of worst reconstructions must be at least 1, got " + worst);
            }
            return new ReconstructionEvaluator(this);
        }
    }

    /** Frees the native memory of the LPIPS and Inception networks; the evaluator cannot be used afterwards. */
    @Override
    public void close() {
        if (lpips != null) {
            lpips.close();
        }
        if (inception != null) {
            inception.close();
        }
    }

    /**
     * Checks that {@code model} can be evaluated at {@code size} x {@code size}.
     *
     * @param sizeName how the size was given, for the message ({@code --size}, {@code evaluation.size})
     * @throws IllegalArgumentException if the model is not RGB in and out or the size is not a multiple of its
     *     downsampling factor
     */
    public static void requireCompatible(TrainableAutoencoder model, int size, String sizeName) {
        if (model.imageChannels() != 3 || model.outputChannels() != 3) {
            throw new IllegalArgumentException("evaluation needs an RGB model (3 channels in and out), this one has "
                    + model.imageChannels() + " in and " + model.outputChannels() + " out");
        }
        if (size % model.downsamplingFactor() != 0) {
            throw new IllegalArgumentException(sizeName + " " + size + " is not a multiple of the model's "
                    + "downsampling factor " + model.downsamplingFactor());
        }
    }

    /**
     * Evaluates {@code model} on every image of {@code dataset}.
     *
     * @param dataset RGB images, each cropped to the evaluation size (e.g. {@link EvaluationSet#dataset()})
     * @param options precision, device, batch size, statistics cache, progress and ranks
     *     ({@link EvaluationOptions#defaults()}: float32 on the CPU, one process)
     * @throws IllegalArgumentException if {@code options.referenceStats()} exists but was computed for other data
     * @throws dev.vae4j.core.io.ImageReadException naming an image that cannot be decoded
     */
    public Evaluation evaluate(TrainableAutoencoder model, ImageDataset dataset, EvaluationOptions options) {
        Device device = options.device();
        int batchSize = options.batchSize();
        Path referenceStats = options.referenceStats();
        Collectives collectives = options.collectives();
        long t0 = System.nanoTime();
        Accumulators sums =
                new Accumulators(model.latentChannels(), model.quantizer().orElse(null));
        boolean wasTraining = model.module().is_training();
        model.module().train(false);
        DistributedContext context = collectives.context();
        Autoencoder runner = options.inference().apply(model);
        try (RfidAccumulator rfid = inception == null
                        ? null
                        : new RfidAccumulator(inception, referenceStats, options.cacheKey(), context.writer());
                InferenceMode guard = new InferenceMode()) {
            int[] share = IntStream.iterate(context.rank(), i -> i < dataset.size(), i -> i + context.worldSize())
                    .toArray();
            for (int start = 0; start < share.length; start += batchSize) {
                int end = Math.min(share.length, start + batchSize);
                try (TensorScope step = new TensorScope()) {
                    addBatch(runner, device, dataset, Arrays.copyOfRange(share, start, end), sums, rfid);
                }
                options.progress().accept(end);
            }
            sums.latents.allReduce(collectives);
            if (sums.codes != null) {
                sums.codes.allReduce(collectives);
            }
            if (rfid != null) {
                rfid.allReduce(collectives);
            }
            return new Evaluation(
                    dataset.size(),
                    border,
                    sums.psnr.gather(collectives),
                    sums.ssim.gather(collectives),
                    lpips == null ? null : sums.lpips.gather(collectives),
                    lpipsWeights,
                    rfidResult(rfid, referenceStats),
                    sums.latents,
                    latentSpace(model),
                    sums.worst,
                    (System.nanoTime() - t0) / 1e9,
                    sums.codes == null ? null : sums.codes.usage());
        } finally {
            model.module().train(wasTraining);
        }
    }

    /** The per-image accumulators of one evaluation. */
    private final class Accumulators {
        final RunningStats psnr = new RunningStats();
        final RunningStats ssim = new RunningStats();
        final RunningStats lpips = new RunningStats();
        final LatentStats latents;
        final WorstReconstructions worst = new WorstReconstructions(ReconstructionEvaluator.this.worst);
        final CodebookCounts codes;

        Accumulators(int latentChannels, Quantizer quantizer) {
            latents = new LatentStats(latentChannels, HISTOGRAM_BINS, HISTOGRAM_RANGE);
            codes = quantizer == null ? null : new CodebookCounts(quantizer);
        }
    }

    private void addBatch(
            Autoencoder model,
            Device device,
            ImageDataset dataset,
            int[] indices,
            Accumulators sums,
            RfidAccumulator rfid) {
        SplittableRandom centerCropDrawsNothing = new SplittableRandom(0);
        List<ImageArray> arrays = new ArrayList<>();
        for (int i : indices) {
            arrays.add(dataset.get(i, centerCropDrawsNothing));
        }
        Tensor images = ImageArray.toBatch(arrays);
        Tensor z = model.encode(images.to(device, ScalarType.Float)).mode();
        Tensor decoded = model.decode(z)
                .to(ScalarType.Float)
                .cpu()
                .clamp(new ScalarOptional(new Scalar(-1.0)), new ScalarOptional(new Scalar(1.0)));
        double[] psnr = doubles(Psnr.perImage(images, decoded));
        sums.psnr.addAll(psnr);
        sums.ssim.addAll(doubles(Ssim.perImage(images, decoded, border)));
        if (lpips != null) {
            sums.lpips.addAll(doubles(lpips.forward(images, decoded)));
        }
        if (rfid != null) {
            rfid.add(images, decoded);
        }
        sums.latents.add(model.latentNormalizer().normalize(z));
        if (sums.codes != null) {
            sums.codes.add(z);
        }
        for (int i = 0; i < psnr.length; i++) {
            sums.worst.offer(dataset.describe(indices[i]), psnr[i], images, decoded, i);
        }
    }

    private static Evaluation.Rfid rfidResult(RfidAccumulator rfid, Path referenceStats) {
        if (rfid == null) {
            return new Evaluation.Rfid(Double.NaN, 0, null, "no Inception weights given");
        }
        if (rfid.count() < 2) {
            return new Evaluation.Rfid(
                    Double.NaN, rfid.count(), null, "the covariance needs at least 2 images, got " + rfid.count());
        }
        try (TensorScope scope = new TensorScope()) {
            boolean cached = rfid.referenceFromCache();
            return new Evaluation.Rfid(rfid.distance(), rfid.count(), cached ? referenceStats : null, null);
        }
    }

    private static String latentSpace(TrainableAutoencoder model) {
        LatentNormalizer normalizer = model.latentNormalizer();
        return String.format(Locale.ROOT, "(z - %s) * %s", normalizer.shift(), normalizer.scale());
    }

    private static double[] doubles(Tensor t) {
        Tensor c = t.detach().cpu().to(ScalarType.Double).contiguous().view(-1);
        double[] out = new double[(int) c.numel()];
        c.data_ptr_double().get(out, 0, out.length);
        return out;
    }
}
