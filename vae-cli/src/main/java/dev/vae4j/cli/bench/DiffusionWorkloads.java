package dev.vae4j.cli.bench;

import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.randint;
import static org.bytedeco.pytorch.global.torch.randn;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.InferenceOptions;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.dit.DiT;
import dev.vae4j.diffusion.dit.DiTConfig;
import dev.vae4j.diffusion.objective.DiffusionObjective;
import dev.vae4j.diffusion.sampling.ClassifierFreeGuidance;
import dev.vae4j.diffusion.sampling.DdimSampler;
import dev.vae4j.diffusion.sampling.DiffusersSchedulerOptions;
import dev.vae4j.diffusion.sampling.NoiseSource;
import dev.vae4j.diffusion.sampling.SamplingLoop;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import dev.vae4j.train.OptimizerSettings;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The stage-2 workloads on DiT-S/2 ({@code DiTConfig.preset("DiT-S/2")}: 6 heads x 64, 12 layers, 4 latent channels,
 * learned sigma, patch 2, 1000 classes) at S x S latents, default S = 32 (256 px images through an f8 autoencoder),
 * batch {@value #BATCH}, seeded random weights, labels drawn once per workload; {@code tools/reference/bench.py} runs
 * the same with diffusers' {@code DiTTransformer2DModel} and schedulers.
 *
 * <ul>
 *   <li>{@code dit-s2-forward}: eval forward of (8, 4, S, S) latents at fixed timesteps.
 *   <li>{@code dit-s2-train-step}: one epsilon training step on (8, 4, S, S) latents (tanh of standard normal):
 *       timesteps then noise from a seeded generator, x_t by diffusers' default DDPM schedule (linear, 1000 steps), MSE
 *       of the first 4 output channels against the noise, backward, AdamW (lr 1e-4, no weight decay), zero grad.
 *   <li>{@code ddim-50}: 50 DDIM steps (diffusers' {@code DDIMScheduler} defaults) from (8, 4, S, S) noise, no
 *       guidance.
 *   <li>{@code dit-s2-sample-decode}: what diffusers' {@code DiTPipeline.__call__} does for 8 class labels — 50 DDIM
 *       steps from (8, 4, S, S) noise with classifier-free guidance 4.0 against the null class, then the SD-preset
 *       VAE's decode of {@code latents / scaling_factor} into (8, 3, 8S, 8S) images: stage-2 images/s, decode included.
 * </ul>
 */
final class DiffusionWorkloads {
    /** Latents per run. */
    static final int BATCH = 8;

    private static final int CLASSES = 1000;
    private static final int DDIM_STEPS = 50;
    private static final double GUIDANCE = 4.0;

    private DiffusionWorkloads() {}

    static PreparedWorkload forward(int size, Device device, InferenceOptions options, long seed) {
        DiT model = ditS2(size, device, options, false);
        Generator generator = createCPUGenerator(seed + 1);
        Tensor labels = keep(labels(generator, device));
        Tensor timesteps = keep(randint(0, CLASSES, new long[] {BATCH}, new GeneratorOptional(generator), longs())
                .to(device, ScalarType.Float));
        return new DenoiserRun(
                model,
                null,
                latents(size, device, seed),
                true,
                x -> options.run(x, false, y -> model.predict(y, timesteps, labels)),
                null);
    }

    static PreparedWorkload trainStep(int size, Device device, InferenceOptions options, long seed) {
        DiT model = ditS2(size, device, options, true);
        Generator generator = createCPUGenerator(seed + 1);
        Tensor labels = keep(labels(generator, device));
        DiffusionObjective objective =
                DiffusionObjective.builder(NoiseSchedule.diffusersDefault()).build();
        Optimizer optimizer = new OptimizerSettings(OptimizerSettings.Algorithm.ADAMW, 1e-4, 0.9, 0.999, 1e-8, 0.0)
                .create(StateDict.parameters(model));
        return new DenoiserRun(
                model,
                null,
                latents(size, device, seed).tanh(),
                false,
                x -> options.run(x, false, x0 -> {
                    Tensor loss =
                            objective.compute(model, x0, labels, generator).loss();
                    loss.backward();
                    optimizer.step();
                    optimizer.zero_grad(true);
                    return loss;
                }),
                optimizer);
    }

    static PreparedWorkload ddim(int size, Device device, InferenceOptions options, long seed) {
        DiT model = ditS2(size, device, options, false);
        Generator generator = createCPUGenerator(seed + 1);
        Tensor labels = keep(labels(generator, device));
        NoiseSchedule schedule = NoiseSchedule.diffusersDefault();
        DiffusersSchedulerOptions defaults = DiffusersSchedulerOptions.defaults();
        return new DenoiserRun(
                model,
                null,
                latents(size, device, seed),
                true,
                x -> options.run(x, false, noise -> {
                    DdimSampler sampler =
                            new DdimSampler(schedule, DDIM_STEPS, defaults, 0.0, true, NoiseSource.of(generator));
                    return new SamplingLoop(model, sampler).run(noise, labels);
                }),
                null);
    }

    static PreparedWorkload sampleDecode(int size, Device device, InferenceOptions options, long seed) {
        DiT model = ditS2(size, device, options, false);
        AutoencoderKL vae = Workloads.sdModel(device);
        options.prepare(vae);
        Generator generator = createCPUGenerator(seed + 1);
        Tensor labels = keep(labels(generator, device));
        ClassifierFreeGuidance guided = new ClassifierFreeGuidance(model, GUIDANCE);
        NoiseSchedule schedule = NoiseSchedule.diffusersDefault();
        DiffusersSchedulerOptions defaults = DiffusersSchedulerOptions.defaults();
        Scalar scaling = new Scalar(vae.config().scalingFactor());
        return new DenoiserRun(
                model,
                vae,
                latents(size, device, seed),
                true,
                x -> options.run(x, false, noise -> {
                    DdimSampler sampler =
                            new DdimSampler(schedule, DDIM_STEPS, defaults, 0.0, true, NoiseSource.of(generator));
                    return vae.decode(
                            new SamplingLoop(guided, sampler).run(noise, labels).div(scaling));
                }),
                null);
    }

    private static DiT ditS2(int size, Device device, InferenceOptions options, boolean train) {
        DiTConfig preset = DiTConfig.preset("DiT-S/2");
        DiTConfig config = DiTConfig.builder(preset.numAttentionHeads(), preset.attentionHeadDim(), preset.numLayers())
                .learnedSigma()
                .size(size, preset.patchSize())
                .build();
        DiT model = new DiT(config);
        model.to(device, false);
        model.train(train);
        options.prepare(model);
        return model;
    }

    private static Tensor labels(Generator generator, Device device) {
        return randint(0, CLASSES, new long[] {BATCH}, new GeneratorOptional(generator), longs())
                .to(device, ScalarType.Long);
    }

    private static Tensor latents(int size, Device device, long seed) {
        return keep(randn(
                        new long[] {BATCH, 4, size, size},
                        new GeneratorOptional(createCPUGenerator(seed)),
                        new TensorOptions(ScalarType.Float))
                .to(device, ScalarType.Float));
    }

    private static TensorOptions longs() {
        return new TensorOptions(ScalarType.Long);
    }

    private static Tensor keep(Tensor tensor) {
        try (TensorScope scope = new TensorScope()) {
            return scope.keep(tensor);
        }
    }

    /**
     * A prepared denoiser workload; it holds the model (and the decoding VAE and optimizer, where it has them) so they
     * stay reachable while timed.
     */
    private record DenoiserRun(
            DiT model,
            AutoencoderKL decoder,
            Tensor input,
            boolean inference,
            UnaryOperator<Tensor> op,
            Optimizer optimizer)
            implements PreparedWorkload {
        @Override
        public List<Long> inputShape() {
            return Arrays.stream(input.sizes().vec().get()).boxed().toList();
        }

        @Override
        public int imagesPerRun() {
            return BATCH;
        }

        @Override
        public void run() {
            op.apply(input).sum().item_double(); // reading a scalar waits for the result
        }
    }
}
