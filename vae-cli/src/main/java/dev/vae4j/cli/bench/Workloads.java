package dev.vae4j.cli.bench;

import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.randn;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.model.DiagonalGaussian;
import dev.vae4j.core.model.InferenceOptions;
import dev.vae4j.core.model.TiledCodec;
import dev.vae4j.core.model.tiny.AutoencoderTiny;
import dev.vae4j.core.model.tiny.AutoencoderTinyConfig;
import dev.vae4j.core.tensor.Precision;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.dwt.model.LiteVaeConfig;
import dev.vae4j.dwt.model.LiteVaeEncoder;
import dev.vae4j.recipes.RandomInitTrainer;
import dev.vae4j.recipes.Recipe;
import dev.vae4j.train.OptimizerSettings;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;

/**
 * The built-in workloads, batch 1 unless stated, random seeded weights (timings do not depend on the values).
 * {@code tools/reference/bench.py} runs the same names with the same shapes in PyTorch/diffusers. Every workload runs
 * with the settings' {@link InferenceOptions} (float32 contiguous by default): weights laid out once when prepared,
 * each run's input converted and the op run under autocast ({@link InferenceOptions#run}); the SD preset's
 * {@code force_upcast} makes fp16 run in float32, as in diffusers.
 *
 * <ul>
 *   <li>{@code sd-encode}: SD preset ({@code AutoencoderKLConfig.preset("sd")}) encode of a (1, 3, S, S) image to the
 *       posterior mode (quant_conv included); default S = 256.
 *   <li>{@code sd-decode}: SD preset decode of a (1, 4, S/8, S/8) latent.
 *   <li>{@code taesd-decode}: AutoencoderTiny (taesd.py's 4-channel decoder, {@code AutoencoderTinyConfig.taesd(4)})
 *       decode of the same (1, 4, S/8, S/8) latent: the tiny decoder against {@code sd-decode}.
 *   <li>{@code sd-encode-decode}: both in sequence.
 *   <li>{@code train-step-small}: one training step of a small AutoencoderKL ([32, 64] channels, 1 layer per block, 8
 *       groups, 4 latent channels) on a (2, 3, S, S) batch (tanh of standard normal), default S = 64: forward with a
 *       posterior sample, loss = L1 mean + 1e-6 * KL mean, backward, Adam step (lr 1e-4, betas 0.9/0.999), zero grad.
 *   <li>{@code ldm-kl-f8-train-step}: one step of {@code vae train --recipe ldm-kl-f8} (the {@link Trainer} itself: SD
 *       KL-f8 autoencoder, LPIPS with random VGG16 and heads, PatchGAN, LDM's adaptive GAN weight, both networks
 *       updated, Adam) at batch 8 on the same (8, 3, S, S) images every step (tanh of standard normal, rendered once:
 *       {@link FixedImages}, as bench.py steps one fixed tensor), default S = 256, encode/decode under bf16 autocast
 *       whatever {@code --precision} says, including the data loader's batch copy and the loss-term read of a log
 *       interval of one step.
 *   <li>{@code litevae-b-encode}: LiteVAE-B encoder ({@code LiteVaeConfig.preset("open-b")}) moments of a (1, 3, S, S)
 *       image.
 *   <li>{@code sd-tiled-decode-1024}: SD preset decode of a (1, 4, 128, 128) latent with {@link TiledCodec} defaults
 *       (256-px tiles, 25% overlap) into a 1024x1024 image; its size is fixed.
 *   <li>{@code dit-s2-forward}, {@code dit-s2-train-step}, {@code ddim-50}, {@code dit-s2-sample-decode}: DiT-S/2 on
 *       (8, 4, S, S) latents, default S = 32, the last one guided and decoded by the SD preset into 8S px images
 *       ({@link DiffusionWorkloads}).
 *   <li>{@code decode-jpeg-jdk}, {@code decode-jpeg-twelvemonkeys}, {@code decode-png-jdk}, {@code data-pipeline},
 *       {@code cache-folder}: the data pipeline on synthetic image files ({@link DataWorkloads}).
 *   <li>{@code sd-tiled-encode}, {@code sd-tiled-decode}: the same tiling for encode (posterior mode) of a (1, 3, S, S)
 *       image and decode of a (1, 4, S/8, S/8) latent, default S = 1024; with {@code sd-encode} and {@code sd-decode}
 *       at the same {@code --size} they compare tiled and untiled memory.
 * </ul>
 */
public final class Workloads {
    /** Batch size of {@code train-step-small}. */
    public static final int TRAIN_BATCH = 2;
    /** Batch size of {@code ldm-kl-f8-train-step}. */
    public static final int LDM_TRAIN_BATCH = 8;

    private static final long SEED = 0;
    private static final Map<String, Workload> ALL = new LinkedHashMap<>();

    static {
        add(simple("sd-encode", "SD-preset encode (posterior mode), batch 1", 256, Workloads::sdEncode));
        add(simple("sd-decode", "SD-preset decode, batch 1", 256, Workloads::sdDecode));
        add(simple("taesd-decode", "AutoencoderTiny (taesd) decode, batch 1", 256, Workloads::taesdDecode));
        add(simple("sd-encode-decode", "SD-preset encode (mode) then decode, batch 1", 256, Workloads::sdEncodeDecode));
        add(simple(
                "train-step-small",
                "small AutoencoderKL training step (L1 + 1e-6 KL, Adam), batch " + TRAIN_BATCH,
                64,
                Workloads::trainStep));
        add(simple(
                "ldm-kl-f8-train-step",
                "ldm-kl-f8 training step (SD KL-f8, LPIPS + PatchGAN, both updated), bf16" + " autocast, batch "
                        + LDM_TRAIN_BATCH,
                256,
                Workloads::ldmTrainStep));
        add(simple("litevae-b-encode", "LiteVAE-B (open-b) encoder moments, batch 1", 256, Workloads::liteVaeEncode));
        add(new Fixed(simple(
                "sd-tiled-decode-1024",
                "SD-preset tiled decode of a 128x128 latent (256-px tiles)",
                1024,
                Workloads::sdTiledDecode)));
        add(simple(
                "sd-tiled-encode",
                "SD-preset tiled encode (posterior mode, 256-px tiles), batch 1",
                1024,
                Workloads::sdTiledEncode));
        add(simple(
                "sd-tiled-decode", "SD-preset tiled decode (256-px tiles), batch 1", 1024, Workloads::sdTiledDecode));
        add(simple(
                "dit-s2-forward",
                "DiT-S/2 forward (eval), batch " + DiffusionWorkloads.BATCH,
                32,
                (size, device, options) -> DiffusionWorkloads.forward(size, device, options, SEED)));
        add(simple(
                "dit-s2-train-step",
                "DiT-S/2 epsilon training step (MSE, AdamW), batch " + DiffusionWorkloads.BATCH,
                32,
                (size, device, options) -> DiffusionWorkloads.trainStep(size, device, options, SEED)));
        add(simple(
                "ddim-50",
                "DDIM 50-step sampling with DiT-S/2, batch " + DiffusionWorkloads.BATCH,
                32,
                (size, device, options) -> DiffusionWorkloads.ddim(size, device, options, SEED)));
        add(simple(
                "dit-s2-sample-decode",
                "DiT-S/2 DDIM 50 steps, guidance 4, SD-preset decode, batch " + DiffusionWorkloads.BATCH,
                32,
                (size, device, options) -> DiffusionWorkloads.sampleDecode(size, device, options, SEED)));
        add(simple(
                "decode-jpeg-jdk",
                "JPEG decode, the JDK's ImageIO reader, 1 image",
                256,
                (size, device, options) -> DataWorkloads.decode(size, "jpg", "com.sun.")));
        add(simple(
                "decode-jpeg-twelvemonkeys",
                "JPEG decode, TwelveMonkeys' ImageIO reader, 1 image",
                256,
                (size, device, options) -> DataWorkloads.decode(size, "jpg", "com.twelvemonkeys.")));
        add(simple(
                "decode-png-jdk",
                "PNG decode, the JDK's ImageIO reader, 1 image",
                256,
                (size, device, options) -> DataWorkloads.decode(size, "png", "com.sun.")));
        add(simple(
                "data-pipeline",
                "JPEG decode + resize + centre crop + stack, batch 8, 2 threads",
                256,
                (size, device, options) -> DataWorkloads.pipeline(size)));
        add(simple(
                "cache-folder",
                "latent cache of 16 JPEGs (SD preset, crop S, batch 4, 2 decode threads)",
                256,
                DataWorkloads::cache));
    }

    private Workloads() {}

    /** The workload called {@code name}. */
    public static Workload get(String name) {
        Workload workload = ALL.get(name);
        if (workload == null) {
            throw new IllegalArgumentException("unknown workload '" + name + "'; known: " + names());
        }
        return workload;
    }

    /** The names of all built-in workloads, in report order. */
    public static List<String> names() {
        return List.copyOf(ALL.keySet());
    }

    /** The small training config: [32, 64] channels, 1 layer per block, 8 groups, 4 latent channels. */
    public static AutoencoderKLConfig smallConfig() {
        return AutoencoderKLConfig.builder(List.of(32, 64), 4)
                .normNumGroups(8)
                .sampleSize(64)
                .build();
    }

    private static void add(Workload workload) {
        ALL.put(workload.name(), workload);
    }

    private static Workload simple(String name, String description, int defaultSize, Factory factory) {
        return new Workload() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public int defaultSize() {
                return defaultSize;
            }

            @Override
            public PreparedWorkload prepare(int size, Device device, InferenceOptions options) {
                return factory.prepare(size, device, options);
            }
        };
    }

    /** A workload whose size is part of its name. */
    private record Fixed(Workload inner) implements Workload {
        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public String description() {
            return inner.description();
        }

        @Override
        public int defaultSize() {
            return inner.defaultSize();
        }

        @Override
        public boolean resizable() {
            return false;
        }

        @Override
        public PreparedWorkload prepare(int size, Device device, InferenceOptions options) {
            return inner.prepare(size, device, options);
        }
    }

    /** What {@link Workload#prepare} does for one workload. */
    @FunctionalInterface
    private interface Factory {
        PreparedWorkload prepare(int size, Device device, InferenceOptions options);
    }

    private static PreparedWorkload sdEncode(int size, Device device, InferenceOptions options) {
        AutoencoderKL model = sdModel(device);
        return inference(
                model,
                options,
                normal(device, 1, 3, size, size),
                x -> model.encode(x).mode());
    }

    private static PreparedWorkload sdDecode(int size, Device device, InferenceOptions options) {
        AutoencoderKL model = sdModel(device);
        int f = model.downsamplingFactor();
        return inference(model, options, normal(device, 1, 4, size / f, size / f), model::decode);
    }

    private static PreparedWorkload taesdDecode(int size, Device device, InferenceOptions options) {
        AutoencoderTiny model = new AutoencoderTiny(AutoencoderTinyConfig.taesd(4), false, true, "taesd-decode");
        model.to(device, false);
        model.eval();
        options.prepare(model);
        int f = model.downsamplingFactor();
        return new Prepared(
                model,
                normal(device, 1, 4, size / f, size / f),
                1,
                true,
                x -> options.run(x, model.forceUpcast(), model::decode),
                null);
    }

    private static PreparedWorkload sdEncodeDecode(int size, Device device, InferenceOptions options) {
        AutoencoderKL model = sdModel(device);
        return inference(
                model,
                options,
                normal(device, 1, 3, size, size),
                x -> model.decode(model.encode(x).mode()));
    }

    private static PreparedWorkload sdTiledEncode(int size, Device device, InferenceOptions options) {
        AutoencoderKL model = sdModel(device);
        TiledCodec tiled = TiledCodec.withDefaults(model);
        return inference(
                model,
                options,
                normal(device, 1, 3, size, size),
                x -> tiled.encode(x).mode());
    }

    private static PreparedWorkload sdTiledDecode(int size, Device device, InferenceOptions options) {
        AutoencoderKL model = sdModel(device);
        TiledCodec tiled = TiledCodec.withDefaults(model);
        int f = model.downsamplingFactor();
        return inference(model, options, normal(device, 1, 4, size / f, size / f), tiled::decode);
    }

    private static PreparedWorkload liteVaeEncode(int size, Device device, InferenceOptions options) {
        LiteVaeEncoder encoder = new LiteVaeEncoder(LiteVaeConfig.preset("open-b"));
        encoder.to(device, false);
        encoder.eval();
        options.prepare(encoder);
        Tensor input = normal(device, 1, 3, size, size);
        return new Prepared(encoder, input, 1, true, x -> options.run(x, false, encoder::forward), null);
    }

    private static PreparedWorkload trainStep(int size, Device device, InferenceOptions options) {
        AutoencoderKL model = new AutoencoderKL(smallConfig());
        model.to(device, false);
        model.train(true);
        options.prepare(model);
        Optimizer optimizer = OptimizerSettings.adam(1e-4, 0.9, 0.999).create(StateDict.parameters(model));
        Tensor images = normal(device, TRAIN_BATCH, 3, size, size).tanh();
        Generator generator = createCPUGenerator(SEED + 1);
        return new Prepared(
                model,
                images,
                TRAIN_BATCH,
                false,
                x -> options.run(x, model.forceUpcast(), y -> {
                    DiagonalGaussian posterior = model.encode(y);
                    Tensor reconstruction = model.decode(posterior.sample(generator));
                    Tensor loss = reconstruction
                            .sub(y)
                            .abs()
                            .mean()
                            .add(posterior.kl().mean().mul(new Scalar(1e-6)));
                    loss.backward();
                    optimizer.step();
                    optimizer.zero_grad(true);
                    return loss;
                }),
                optimizer);
    }

    private static PreparedWorkload ldmTrainStep(int size, Device device, InferenceOptions options) {
        Recipe recipe = Recipe.load("ldm-kl-f8").withImageSize(size);
        TrainConfig base = recipe.train();
        TrainConfig train = TrainConfig.builder(1_000_000, LDM_TRAIN_BATCH, base.generator())
                .seed(base.seed())
                .discriminator(base.discriminator())
                .schedule(base.schedule())
                .gradClip(base.gradClip())
                .precision(Precision.BF16)
                .discStart(0)
                .logEvery(1)
                .device(device.str().getString())
                .build();
        Path runDir;
        try {
            runDir = Files.createTempDirectory("vae4j-bench-train-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch run folder", e);
        }
        Trainer trainer = RandomInitTrainer.create(recipe.withTrain(train), runDir);
        Trainer.Steps steps = trainer.open(FixedImages.tanhNormal(LDM_TRAIN_BATCH, size, SEED));
        List<Long> shape = List.of((long) LDM_TRAIN_BATCH, 3L, (long) size, (long) size);
        return new PreparedWorkload() {
            @Override
            public List<Long> inputShape() {
                return shape;
            }

            @Override
            public int imagesPerRun() {
                return LDM_TRAIN_BATCH;
            }

            @Override
            public boolean inference() {
                return false;
            }

            @Override
            public void run() {
                steps.log(steps.next()); // reading the step's loss terms waits for the device
            }

            @Override
            public void close() {
                steps.close();
                try {
                    Files.deleteIfExists(runDir); // stepping by hand writes no checkpoint
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot remove " + runDir, e);
                }
            }
        };
    }

    /** The SD-preset AutoencoderKL with seeded random weights, in eval mode on {@code device}. */
    static AutoencoderKL sdModel(Device device) {
        AutoencoderKL model = new AutoencoderKL(AutoencoderKLConfig.preset("sd"));
        model.to(device, false);
        model.eval();
        return model;
    }

    /** An inference workload of an SD-preset op: weights prepared for {@code options}, op run with them. */
    private static PreparedWorkload inference(
            AutoencoderKL model, InferenceOptions options, Tensor input, UnaryOperator<Tensor> op) {
        options.prepare(model);
        return new Prepared(
                model, input, (int) input.size(0), true, x -> options.run(x, model.forceUpcast(), op), null);
    }

    /** Seeded standard-normal tensor of {@code shape} on {@code device}, kept beyond the current scope. */
    private static Tensor normal(Device device, long... shape) {
        try (TensorScope scope = new TensorScope()) {
            Tensor t = randn(shape, new GeneratorOptional(createCPUGenerator(SEED)), new TensorOptions())
                    .to(device, org.bytedeco.pytorch.global.torch.ScalarType.Float);
            return scope.keep(t);
        }
    }

    /** A prepared workload; it holds the model (and optimizer) in fields so they stay reachable while timed. */
    private record Prepared(
            Object model, Tensor input, int imagesPerRun, boolean inference, UnaryOperator<Tensor> op, Object optimizer)
            implements PreparedWorkload {
        @Override
        public List<Long> inputShape() {
            return java.util.Arrays.stream(input.sizes().vec().get()).boxed().toList();
        }

        @Override
        public void run() {
            op.apply(input).sum().item_double(); // reading a scalar waits for the result
        }
    }
}
