package dev.vae4j.diffusion.dit;

import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.full;
import static org.bytedeco.pytorch.global.torch.silu;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.nn.IndexedModules;
import dev.vae4j.core.nn.Linear;
import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.Denoiser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * DiT (Peebles and Xie 2023) as diffusers' {@code DiTTransformer2DModel} builds and runs it: latents (N, C, H, H) are
 * cut into p x p patches and embedded as tokens with 2-D sin-cos positions ({@code pos_embed}), go through
 * {@code num_layers} adaLN-Zero transformer blocks ({@code transformer_blocks.i}) conditioned on the timestep and the
 * class label, and a modulated LayerNorm with {@code proj_out_1}/{@code proj_out_2} maps each token back to a p x p x
 * out patch. Parameter names equal diffusers' state-dict keys, so its {@code diffusion_pytorch_model.safetensors} loads
 * as is; the position table is no parameter (diffusers does not save it either).
 *
 * <p>As in diffusers, each block's adaLN owns its own timestep MLP and label table (the DiT paper shares one), and the
 * output head reuses block 0's. That is why the presets have more parameters than the paper's 33M / 130M / 458M / 675M
 * for S/2, B/2, L/2, XL/2: diffusers' counts are 39,805,088 / 147,439,904 / 511,609,888 / 749,826,464.
 *
 * <p>Training mode ({@link #train(boolean)}) applies diffusers' class dropout (each embedder, in turn, replaces a label
 * by the null class with probability 0.1; the output head's embedder draws once more) and the configured dropout,
 * drawing from a CPU generator ({@link #seedTrainingNoise(long)}) in diffusers' order, so that with equal seeds the
 * class-dropout decisions and dropout masks equal PyTorch's after {@code torch.manual_seed}. Eval mode (the default)
 * draws nothing. Like every vae4j module, build it outside any {@link TensorScope}.
 */
public final class DiT extends Module implements Denoiser {
    /** The configuration file of a diffusers model folder. */
    public static final String CONFIG_FILE = "config.json";
    /** The weights file of a diffusers model folder. */
    public static final String WEIGHTS_FILE = "diffusion_pytorch_model.safetensors";
    /** The subfolder of a diffusers {@code DiTPipeline} folder that holds the transformer. */
    public static final String PIPELINE_SUBFOLDER = "transformer";

    private final DiTConfig config;
    private final PatchEmbed posEmbed;
    private final IndexedModules<DiTBlock> transformerBlocks;
    private final Linear projOut1;
    private final Linear projOut2;
    private long noiseSeed;
    private long noisePasses;

    /** A model with PyTorch's default initialisation (from libtorch's global generator), in eval mode. */
    public DiT(DiTConfig config) {
        this.config = config;
        int dim = config.innerDim();
        posEmbed = register_module("pos_embed", new PatchEmbed(config));
        transformerBlocks = register_module("transformer_blocks", new IndexedModules<>());
        for (int i = 0; i < config.numLayers(); i++) {
            transformerBlocks.add(new DiTBlock(config));
        }
        projOut1 = register_module("proj_out_1", new Linear(dim, 2L * dim));
        long patchArea = (long) config.patchSize() * config.patchSize();
        projOut2 = register_module("proj_out_2", new Linear(dim, patchArea * config.outputChannels()));
        train(false);
    }

    /**
     * Loads a diffusers model folder ({@code config.json} + {@code diffusion_pytorch_model.safetensors}), or a
     * {@code DiTPipeline} folder holding them under {@code transformer/}. Strict: any missing, unexpected or mis-shaped
     * key throws {@link dev.vae4j.core.io.WeightLoadingException} listing all of them.
     *
     * @throws FileAccessException if the folder or a file cannot be read
     * @throws dev.vae4j.core.model.ConfigFormatException naming the key if the config is not a DiT config vae4j builds
     */
    public static DiT load(Path folder) {
        Path dir = Files.isRegularFile(folder.resolve(CONFIG_FILE)) ? folder : folder.resolve(PIPELINE_SUBFOLDER);
        if (!Files.isRegularFile(dir.resolve(CONFIG_FILE))) {
            throw new FileAccessException(
                    "no DiT model in " + folder + ": neither " + folder.resolve(CONFIG_FILE) + " nor "
                            + dir.resolve(CONFIG_FILE) + " exists",
                    new java.nio.file.NoSuchFileException(
                            folder.resolve(CONFIG_FILE).toString()));
        }
        DiT model = new DiT(DiTConfig.read(dir.resolve(CONFIG_FILE)));
        Path weights = dir.resolve(WEIGHTS_FILE);
        try (SafetensorsReader reader = SafetensorsReader.open(weights)) {
            StateDict.load(model, TensorSource.of(reader), true, weights.toString());
        }
        return model;
    }

    /**
     * Writes a diffusers model folder that {@code DiTTransformer2DModel.from_pretrained} loads: {@code config.json} and
     * {@code diffusion_pytorch_model.safetensors} (the parameters in their dtype, {@code {"format": "pt"}} metadata),
     * each written atomically; the folder is created if needed.
     *
     * @throws FileAccessException if the folder or a file cannot be written
     */
    public void save(Path folder) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new FileAccessException("cannot create model folder " + folder + ": " + e.getMessage(), e);
        }
        StateDict.save(this, folder.resolve(WEIGHTS_FILE));
        config.write(folder.resolve(CONFIG_FILE));
    }

    /** The configuration this model was built from. */
    public DiTConfig config() {
        return config;
    }

    /**
     * Restarts the training-mode draws (class dropout, dropout): the k-th training-mode forward pass from now on draws
     * from a CPU generator seeded with {@code seed ^ (k * 0x9E3779B97F4A7C15)}, so the first one draws what PyTorch
     * draws after {@code torch.manual_seed(seed)}, and a run resumes exactly from ({@code seed}, k). The seed is 0
     * until set.
     */
    public void seedTrainingNoise(long seed) {
        seedTrainingNoise(seed, 0);
    }

    /** {@link #seedTrainingNoise(long)} continuing after {@code passes} training-mode forward passes (for a resume). */
    public void seedTrainingNoise(long seed, long passes) {
        if (passes < 0) {
            throw new IllegalArgumentException("passes must be >= 0, got " + passes);
        }
        noiseSeed = seed;
        noisePasses = passes;
    }

    /** Training-mode forward passes since the last {@link #seedTrainingNoise(long)}: the k of the next pass's seed. */
    public long trainingNoisePasses() {
        return noisePasses;
    }

    /**
     * diffusers' {@code forward(latents, timestep, class_labels).sample}; null {@code labels} select the null class
     * (unconditional prediction). Shapes as {@link Denoiser#predict}; the latents may be any square size that is a
     * multiple of the patch size (other sizes than {@code sample_size} get positions computed for their grid).
     */
    @Override
    public Tensor predict(Tensor latents, Tensor timesteps, Tensor labels) {
        return forward(latents, timesteps, labels, null);
    }

    /**
     * {@link #predict} with diffusers' {@code force_drop_ids}: entries equal to 1 of {@code forceDropIds} (N) replace
     * their label by the null class in every embedder, in either mode, and no class dropout is drawn (null: none
     * forced). Returns (N, out_channels, H, H).
     *
     * @throws IllegalArgumentException naming the value and the limit for latents of the wrong channels, rank, size or
     *     device, timesteps or labels that are not one per sample, labels outside [0, numClasses)
     */
    public Tensor forward(Tensor latents, Tensor timesteps, Tensor labels, Tensor forceDropIds) {
        long n = checkLatents(latents);
        Tensor t = checkPerSample(timesteps, "timesteps", n);
        Tensor classes = labels == null ? null : checkLabels(labels, n);
        Tensor forced = forceDropIds == null ? null : checkPerSample(forceDropIds, "forceDropIds", n);
        if (forced != null && (forced.is_floating_point() || forced.is_complex())) {
            throw new IllegalArgumentException(
                    "forceDropIds must be an integer or boolean tensor, got " + forced.scalar_type());
        }
        return TensorScope.scoped(() -> compute(latents, t, classes, forced));
    }

    private Tensor compute(Tensor latents, Tensor timesteps, Tensor labels, Tensor forced) {
        long n = latents.size(0);
        Device device = latents.device();
        Tensor t = timesteps.to(device, ScalarType.Float);
        Tensor l = labels != null
                ? labels.to(device, ScalarType.Long)
                : full(new long[] {n}, new Scalar((long) config.numEmbedsAdaNorm()), new TensorOptions(ScalarType.Long))
                        .to(device, ScalarType.Long);
        Tensor f = forced == null ? null : forced.to(device, ScalarType.Long);
        TrainingNoise noise = new TrainingNoise(is_training(), config.dropout(), nextGenerator(), f);
        Tensor x = posEmbed.forward(latents);
        for (DiTBlock block : transformerBlocks.list()) {
            Tensor input = x;
            // a block's temporaries are freed as soon as it returns, not at the end of the pass
            x = TensorScope.scoped(() -> block.forward(input, t, l, noise));
        }
        Tensor conditioning = transformerBlocks.get(0).norm1().emb().forward(t, l, noise);
        TensorVector shiftScale = projOut1.forward(silu(conditioning)).chunk(2, 1);
        x = AdaLayerNormZero.modulate(x, shiftScale.get(0), shiftScale.get(1), config.innerDim());
        return unpatchify(projOut2.forward(x), latents.size(2) / config.patchSize());
    }

    /** The generator of this forward pass: a fresh one per training-mode pass (none in eval mode). */
    private Generator nextGenerator() {
        if (!is_training()) {
            return null;
        }
        return createCPUGenerator(noiseSeed ^ (noisePasses++ * 0x9E3779B97F4A7C15L));
    }

    /** Tokens (N, g*g, p*p*C) -> (N, C, g*p, g*p), diffusers' {@code einsum("nhwpqc->nchpwq")}. */
    private Tensor unpatchify(Tensor tokens, long grid) {
        long p = config.patchSize();
        long c = config.outputChannels();
        return tokens.reshape(-1, grid, grid, p, p, c).permute(0, 5, 1, 3, 2, 4).reshape(-1, c, grid * p, grid * p);
    }

    private long checkLatents(Tensor latents) {
        Shapes.requireNchw(latents, "latents", config.inChannels(), config.patchSize());
        if (latents.size(2) != latents.size(3)) {
            throw new IllegalArgumentException(
                    "latents must be square (diffusers' DiT unpatchifies a square grid), got shape "
                            + Shapes.describe(latents));
        }
        Tensor weight = projOut2.weight();
        String have = latents.device().str().getString();
        String want = weight.device().str().getString();
        if (!have.equals(want) || latents.scalar_type().value != weight.scalar_type().value) {
            throw new IllegalArgumentException("latents are " + latents.scalar_type() + " on " + have
                    + " but the model is " + weight.scalar_type() + " on " + want);
        }
        return latents.size(0);
    }

    private static Tensor checkPerSample(Tensor values, String what, long n) {
        if (values == null || values.isNull() || !values.defined()) {
            throw new IllegalArgumentException(what + " tensor is undefined");
        }
        if (values.dim() != 1 || values.size(0) != n) {
            throw new IllegalArgumentException(
                    what + " must have shape [" + n + "] (one per sample), got " + Shapes.describe(values));
        }
        return values;
    }

    private Tensor checkLabels(Tensor labels, long n) {
        checkPerSample(labels, "labels", n);
        if (labels.is_floating_point() || labels.is_complex() || labels.scalar_type().value == ScalarType.Bool.value) {
            throw new IllegalArgumentException("labels must be an integer tensor, got " + labels.scalar_type());
        }
        long low = labels.min().item_long();
        long high = labels.max().item_long();
        int classes = config.numEmbedsAdaNorm();
        if (low < 0 || high >= classes) {
            throw new IllegalArgumentException("label " + (low < 0 ? low : high) + " is outside [0, " + classes
                    + ") (num_embeds_ada_norm " + classes + "; pass null labels for the null class)");
        }
        return labels;
    }

    @Override
    public int latentChannels() {
        return config.inChannels();
    }

    @Override
    public int predictionChannels() {
        return config.outputChannels();
    }

    @Override
    public int numClasses() {
        return config.numEmbedsAdaNorm();
    }

    /** True: the null class row of the label tables ({@link #forward} with {@code forceDropIds}). */
    @Override
    public boolean dropsLabelsPerSample() {
        return true;
    }

    /** {@link #forward} with {@code dropped} as diffusers' {@code force_drop_ids}. */
    @Override
    public Tensor predictDroppingLabels(Tensor latents, Tensor timesteps, Tensor labels, Tensor dropped) {
        return forward(latents, timesteps, labels, dropped);
    }

    /** Always true: diffusers' DiT label tables always hold the null class row. */
    @Override
    public boolean hasUnconditionalPrediction() {
        return true;
    }
}
