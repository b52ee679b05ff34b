package dev.vae4j.eval;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.randn;

import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.Denoiser;
import dev.vae4j.diffusion.sampling.ClassifierFreeGuidance;
import dev.vae4j.diffusion.sampling.Sampler;
import dev.vae4j.diffusion.sampling.SamplingLoop;
import dev.vae4j.eval.fid.FidInceptionV3;
import dev.vae4j.train.cache.CacheFingerprint;
import dev.vae4j.train.cache.LatentDataset;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.DistributedContext;
import dev.vae4j.train.metrics.FeatureStatistics;
import dev.vae4j.train.metrics.FrechetDistance;
import dev.vae4j.train.metrics.LatentFeatureMap;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Scores a denoiser by what it generates, as MAE-DiT's stage-2 trainer evaluates online: K samples per class are
 * generated with a sampler ({@link SamplingLoop}, classifier-free guidance above scale 1) and compared with the real
 * latents of a latent cache by the weights-free latent Frechet distance ({@link LatentFeatureMap}); given an
 * autoencoder and the FID Inception network, the samples are also decoded and scored by FID.
 *
 * <p>Generated sample j (classes in the given order, K each) starts from noise (1, C, h, w) drawn with a CPU generator
 * seeded by (seed, j), so with a deterministic sampler (DDIM with eta 0, Euler, DPM-Solver++) the scores depend neither
 * on the batch size nor on the number of ranks (a stochastic sampler's step noise comes from its own source): rank r of
 * W generates the samples j = r mod W and reads every W-th batch of real latents, and the feature statistics are summed
 * over the ranks before the distances (as rFID gathers its features). The real latents are the posterior means of the
 * cache's first samples in cache order; h and w are theirs.
 *
 * <p>FID reference: a latent cache holds no images, so the reference images are the real latents decoded by the same
 * autoencoder (clamped to [-1, 1]) — the data as the autoencoder reproduces it, so gFID measures the generation alone.
 * Their Inception statistics are cached in a file whose metadata holds the cache's fingerprint (model weights digest,
 * input-list digest, resolution) and the number of real latents; a file made for other data is refused.
 */
public final class GenerationEvaluator {
    private final Denoiser denoiser;
    private final Sampler sampler;
    private final int[] classes;
    private final int samplesPerClass;
    private final long seed;
    private final int batchSize;
    private final int realLimit;
    private final LatentFeatureMap featureMap;
    private final UnaryOperator<Tensor> toCacheSpace;
    private final Autoencoder autoencoder;
    private final FidInceptionV3 inception;
    private final Path referenceStats;
    private final Device device;
    private final Collectives collectives;

    private GenerationEvaluator(Builder b) {
        this.denoiser = b.guidanceScale != 1 ? new ClassifierFreeGuidance(b.denoiser, b.guidanceScale) : b.denoiser;
        this.sampler = b.sampler;
        this.classes = b.classes != null ? b.classes : allClasses(b.denoiser);
        this.samplesPerClass = b.samplesPerClass;
        this.seed = b.seed;
        this.batchSize = b.batchSize;
        this.realLimit = b.realLimit;
        this.featureMap = b.featureMap;
        this.toCacheSpace = b.toCacheSpace;
        this.autoencoder = b.autoencoder;
        this.inception = b.inception;
        this.referenceStats = b.referenceStats;
        this.device = b.device;
        this.collectives = b.collectives;
        requireClasses(b.denoiser, classes);
    }

    /**
     * A builder for evaluating {@code denoiser} with {@code sampler} (which carries its steps, schedule and noise
     * source); defaults: every class of the denoiser (one unconditional set for an unconditional one), 16 samples per
     * class, seed 0, batch 16, guidance 1, up to 1024 real latents, {@link LatentFeatureMap#standard()}, latents the
     * denoiser generates are in the cache's space, no FID, CPU, one process.
     */
    public static Builder builder(Denoiser denoiser, Sampler sampler) {
        return new Builder(denoiser, sampler);
    }

    /**
     * Generates the samples and scores them against the latent cache in {@code cacheFolder}.
     *
     * @throws IllegalArgumentException if the cache's latent channels differ from the denoiser's, it holds fewer than 2
     *     latents, its latents are smaller than the feature grid or of several sizes among the samples read, the
     *     denoiser refuses the latent size (before any sample is generated), or the reference-statistics file was
     *     computed for other data
     * @throws dev.vae4j.core.Vae4jException if the cache is malformed (vae-train's {@code LatentCacheFormatException})
     *     or cannot be read
     */
    public GenerationScores evaluate(Path cacheFolder) {
        long t0 = System.nanoTime();
        DistributedContext context = collectives.context();
        try (LatentDataset real = LatentDataset.open(cacheFolder);
                InferenceMode guard = new InferenceMode()) {
            if (real.latentChannels() != denoiser.latentChannels()) {
                throw new IllegalArgumentException("the latent cache " + cacheFolder + " holds " + real.latentChannels()
                        + "-channel latents; the denoiser takes " + denoiser.latentChannels());
            }
            int realCount = Math.min(realLimit, real.size());
            if (realCount < 2) {
                throw new IllegalArgumentException("the latent cache " + cacheFolder + " holds " + real.size()
                        + " latent(s); the latent Frechet distance needs at least 2");
            }
            List<int[]> batches = real.epoch(batchSize, 0, 0, false).stream()
                    .map(batch ->
                            Arrays.stream(batch).filter(i -> i < realCount).toArray())
                    .filter(batch -> batch.length > 0)
                    .toList();
            long[] latentShape = firstLatentShape(real, batches.get(0));
            long dimension = featureMap.dimension(latentShape[1]);
            try (FeatureStatistics realStats = new FeatureStatistics(dimension);
                    FeatureStatistics generatedStats = new FeatureStatistics(dimension);
                    RfidAccumulator fid = inception == null || autoencoder == null
                            ? null
                            : new RfidAccumulator(
                                    inception,
                                    referenceStats,
                                    referenceKey(cacheFolder, realCount),
                                    context.writer())) {
                for (int b = context.rank(); b < batches.size(); b += context.worldSize()) {
                    try (TensorScope step = new TensorScope()) {
                        Tensor latents = real.batch(batches.get(b), 0, 0, LatentDataset.Mode.MEAN)
                                .latents();
                        requireShape(latents, latentShape, cacheFolder);
                        realStats.add(featureMap.features(latents));
                        if (fid != null && !fid.referenceFromCache()) {
                            fid.addReference(decode(latents, real.normalizer()));
                        }
                    }
                }
                long total = (long) Math.max(1, classes.length) * samplesPerClass;
                for (long start = context.rank() * (long) batchSize;
                        start < total;
                        start += (long) batchSize * context.worldSize()) {
                    try (TensorScope step = new TensorScope()) {
                        long count = Math.min(batchSize, total - start);
                        Tensor generated = toCacheSpace.apply(generate(start, count, latentShape));
                        generatedStats.add(featureMap.features(generated));
                        if (fid != null) {
                            fid.addCandidates(decode(generated, real.normalizer()));
                        }
                    }
                }
                realStats.allReduce(collectives);
                generatedStats.allReduce(collectives);
                if (fid != null) {
                    fid.allReduce(collectives);
                }
                try (TensorScope scope = new TensorScope()) {
                    double latentFd = distance(realStats, generatedStats);
                    double gfid = fid == null || generatedStats.count() < 2 ? Double.NaN : fid.distance();
                    String missing = fid == null
                            ? "no autoencoder and Inception weights given"
                            : generatedStats.count() < 2 ? "the covariance needs at least 2 samples" : null;
                    return new GenerationScores(
                            latentFd,
                            generatedStats.count(),
                            realStats.count(),
                            gfid,
                            fid != null && fid.referenceFromCache() ? referenceStats : null,
                            missing,
                            (System.nanoTime() - t0) / 1e9);
                }
            }
        }
    }

    /** Samples [start, start + count): their class labels and seeded noise, run through the sampler. */
    private Tensor generate(long start, long count, long[] latentShape) {
        TensorVector noise = new TensorVector();
        long[] labels = new long[(int) count];
        for (int i = 0; i < count; i++) {
            long j = start + i;
            labels[i] = classes.length == 0 ? 0 : classes[(int) (j / samplesPerClass)];
            noise.push_back(randn(
                    new long[] {1, latentShape[1], latentShape[2], latentShape[3]},
                    new GeneratorOptional(createCPUGenerator(seed * 0x9E3779B97F4A7C15L + j)),
                    new TensorOptions(ScalarType.Float)));
        }
        Tensor labelTensor =
                denoiser.numClasses() == 0 ? null : torch.tensor(labels).to(device, ScalarType.Long);
        Tensor latents =
                new SamplingLoop(denoiser, sampler).run(cat(noise, 0).to(device, ScalarType.Float), labelTensor);
        return latents.to(ScalarType.Float).cpu();
    }

    /** Images in [-1, 1] (N, 3, H, W) on the CPU decoded from latents in the cache's normalised space. */
    private Tensor decode(Tensor latents, LatentNormalizer normalizer) {
        Tensor z = normalizer.denormalize(latents).to(device, ScalarType.Float);
        return autoencoder
                .decode(z)
                .to(ScalarType.Float)
                .cpu()
                .clamp(new ScalarOptional(new Scalar(-1.0)), new ScalarOptional(new Scalar(1.0)));
    }

    private Map<String, String> referenceKey(Path cacheFolder, int realCount) {
        Map<String, String> key = new LinkedHashMap<>();
        key.put("reference", "real latents decoded by the autoencoder");
        CacheFingerprint fingerprint = CacheFingerprint.read(cacheFolder);
        if (fingerprint != null) {
            key.put("cache_model_weights_sha256", String.valueOf(fingerprint.modelWeights()));
            key.put("cache_inputs_sha256", fingerprint.inputs().sha256());
            key.put("cache_resolution", Integer.toString(fingerprint.resolution()));
        } else {
            key.put("cache_folder", cacheFolder.toAbsolutePath().normalize().toString());
        }
        key.put("real_latents", Integer.toString(realCount));
        return key;
    }

    private long[] firstLatentShape(LatentDataset real, int[] batch) {
        try (TensorScope scope = new TensorScope()) {
            Tensor first = real.batch(new int[] {batch[0]}, 0, 0, LatentDataset.Mode.MEAN)
                    .latents();
            featureMap.features(first);
            long[] shape = first.sizes().vec().get();
            try (TensorScope probe = new TensorScope();
                    InferenceMode guard = new InferenceMode()) {
                // one denoiser call on a zero latent: a size the denoiser refuses fails before any work
                Tensor labels = denoiser.numClasses() == 0
                        ? null
                        : torch.tensor(new long[] {classes[0]}).to(device, ScalarType.Long);
                denoiser.predict(
                        first.zero_().to(device, ScalarType.Float),
                        torch.zeros(1).to(device, ScalarType.Float),
                        labels);
            }
            return shape;
        }
    }

    private static void requireShape(Tensor latents, long[] shape, Path cacheFolder) {
        if (latents.size(2) != shape[2] || latents.size(3) != shape[3]) {
            throw new IllegalArgumentException("the latent cache " + cacheFolder + " holds latents of several sizes ("
                    + Shapes.describe(latents) + " and " + shape[2] + "x" + shape[3]
                    + "); generation is scored against latents of one size");
        }
    }

    private static double distance(FeatureStatistics a, FeatureStatistics b) {
        if (a.count() < 2 || b.count() < 2) {
            throw new IllegalArgumentException("the latent Frechet distance needs at least 2 real and 2 generated"
                    + " latents, got " + a.count() + " and " + b.count());
        }
        return FrechetDistance.of(a.mean(), a.covariance(), b.mean(), b.covariance());
    }

    private static int[] allClasses(Denoiser denoiser) {
        return denoiser.numClasses() == 0
                ? new int[0]
                : IntStream.range(0, denoiser.numClasses()).toArray();
    }

    private static void requireClasses(Denoiser denoiser, int[] classes) {
        if (denoiser.numClasses() == 0 && classes.length > 0) {
            throw new IllegalArgumentException(
                    "the denoiser is unconditional; classes " + Arrays.toString(classes) + " cannot be generated");
        }
        for (int c : classes) {
            if (c < 0 || c >= denoiser.numClasses()) {
                throw new IllegalArgumentException(
                        "class " + c + " is outside [0, " + denoiser.numClasses() + ") of the denoiser");
            }
        }
    }

    /** The settings of a {@link GenerationEvaluator}. */
    public static final class Builder {
        private final Denoiser denoiser;
        private final Sampler sampler;
        private int[] classes;
        private int samplesPerClass = 16;
        private long seed;
        private int batchSize = 16;
        private double guidanceScale = 1;
        private int realLimit = 1024;
        private LatentFeatureMap featureMap = LatentFeatureMap.standard();
        private UnaryOperator<Tensor> toCacheSpace = UnaryOperator.identity();
        private Autoencoder autoencoder;
        private FidInceptionV3 inception;
        private Path referenceStats;
        private Device device = new Device("cpu");
        private Collectives collectives = Collectives.single();

        private Builder(Denoiser denoiser, Sampler sampler) {
            this.denoiser = Objects.requireNonNull(denoiser, "denoiser");
            this.sampler = Objects.requireNonNull(sampler, "sampler");
        }

        /** The classes to generate, K samples each, in this order (checked against the denoiser by {@link #build}). */
        public Builder classes(int... values) {
            classes = values.clone();
            return this;
        }

        /**
         * K, the samples generated per class (per evaluation for an unconditional denoiser).
         *
         * @throws IllegalArgumentException if below 1
         */
        public Builder samplesPerClass(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("samples per class must be at least 1, got " + value);
            }
            samplesPerClass = value;
            return this;
        }

        /** The seed of the initial noise. */
        public Builder seed(long value) {
            seed = value;
            return this;
        }

        /**
         * Samples generated, decoded and scored at once.
         *
         * @throws IllegalArgumentException if below 1
         */
        public Builder batchSize(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, got " + value);
            }
            batchSize = value;
            return this;
        }

        /** Classifier-free guidance scale g >= 1 (1: none; checked by {@link #build}). */
        public Builder guidanceScale(double value) {
            guidanceScale = value;
            return this;
        }

        /**
         * The most real latents read from the cache (its first ones in cache order).
         *
         * @throws IllegalArgumentException if below 2
         */
        public Builder realLatents(int limit) {
            if (limit < 2) {
                throw new IllegalArgumentException("at least 2 real latents are needed, got " + limit);
            }
            realLimit = limit;
            return this;
        }

        /** The feature map of the latent Frechet distance. */
        public Builder featureMap(LatentFeatureMap value) {
            featureMap = Objects.requireNonNull(value, "featureMap");
            return this;
        }

        /**
         * Maps what the denoiser generates (N, C, h, w) to the cache's normalised space, for a denoiser trained on
         * re-normalised latents (per-channel statistics); the identity by default.
         */
        public Builder toCacheSpace(UnaryOperator<Tensor> value) {
            toCacheSpace = Objects.requireNonNull(value, "toCacheSpace");
            return this;
        }

        /**
         * Also scores the decoded samples by FID.
         *
         * @param autoencoder the autoencoder whose latents the cache holds (decodes on {@link #device})
         * @param inception the FID Inception network ({@code vae convert}'s file, on {@link #device})
         * @param referenceStats the reference-statistics cache file, or null for none
         */
        public Builder fid(Autoencoder autoencoder, FidInceptionV3 inception, Path referenceStats) {
            this.autoencoder = Objects.requireNonNull(autoencoder, "autoencoder");
            this.inception = Objects.requireNonNull(inception, "inception");
            this.referenceStats = referenceStats;
            return this;
        }

        /** The device the denoiser (and autoencoder) run on; noise is drawn on the CPU and moved there. */
        public Builder device(Device value) {
            device = Objects.requireNonNull(value, "device");
            return this;
        }

        /** The ranks sharing the work ({@link Collectives#single()} for one process). */
        public Builder collectives(Collectives value) {
            collectives = Objects.requireNonNull(value, "collectives");
            return this;
        }

        /**
         * The evaluator.
         *
         * @throws IllegalArgumentException if a class is outside the denoiser's range (or classes are given to an
         *     unconditional denoiser), or the guidance scale is below 1, not finite, or above 1 for a denoiser without
         *     an unconditional prediction
         */
        public GenerationEvaluator build() {
            return new GenerationEvaluator(this);
        }
    }
}
