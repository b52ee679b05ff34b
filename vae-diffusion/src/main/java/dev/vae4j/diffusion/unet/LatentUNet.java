package dev.vae4j.diffusion.unet;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.zeros_like;

import dev.vae4j.core.io.LoadReport;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.torch.CheckpointFiles;
import dev.vae4j.core.nn.Block2D;
import dev.vae4j.core.nn.Conv2d;
import dev.vae4j.core.nn.IndexedModules;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.Denoiser;
import dev.vae4j.diffusion.unet.LatentUNetConfig.UpMode;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * stanipov/pytorch-diffusion's latent {@code Unet} (commit 705b007, {@code src/models/unet.py}; annotated-diffusion
 * style) as a {@link Denoiser}: a 1x1 {@code init_conv}; per level {@code resnet_stacks} time-conditioned resnet blocks
 * (each output kept as a skip), a linear attention and a downsampler (average pooling; a 3x3 conv on the last level);
 * mid resnet, full softmax attention, resnet; per level in reverse, resnet blocks on {@code cat(x, skip)}, a linear
 * attention and an upsampler (a 3x3 conv on the last level); {@code final_res_block} on {@code cat(x, init_conv
 * output)} to {@code img_size} channels and a 1x1 {@code final_conv}. The time embedding is
 * {@code time_mlp(sinusoid(t))} (sinusoid width {@code img_size}, computed in float32 as upstream does for float32 or
 * int64 timesteps; GELU MLP to {@code time_dim}), plus {@code lbl_embeds(label)} when labels are given.
 *
 * <p>Labels: upstream's {@code lbl_embeds} is {@code Sequential(Linear(len(classes), time_dim), GELU, Linear)} applied
 * to a label <em>vector</em>, not an embedding table, and {@code classes} given as an int becomes {@code [classes]}, a
 * vector of width 1. Its forward accepts only a float (N, 1) tensor holding the class index as a number (an (N) tensor
 * or int64 labels raise in {@code nn.Linear}); {@code train_LDM_WikiArtHF.py}'s sampler passes such float labels. So
 * {@link #predict} maps the contract's (N) int64 {@code labels} to {@code labels.float().view(N, 1)}, the raw index
 * (not one-hot), and null labels to upstream's {@code lbls=None} (no label term). {@code train_LDM.py} with
 * {@code configs/LDM.json} cannot run upstream: {@code set_unet} reads {@code classes}, LDM.json has
 * {@code num_classes}, so the model has no {@code lbl_embeds}, yet the loop passes the loader's (N) int64 labels
 * (AttributeError); it also passes the {@code self_condition} flag itself as {@code x_self_cond}, which fails in
 * {@code torch.cat} when the flag is true.
 *
 * <p>Self-conditioning ({@code self_condition}): the input is {@code cat(self_cond, latents)} along channels, zeros
 * when no self-conditioning latents are given ({@link #predict(Tensor, Tensor, Tensor)}).
 *
 * <p>Parameter names are upstream's state-dict keys ({@code downs.0.0.block1.proj.weight},
 * {@code downs.0.2.fn.fn.to_qkv.weight}, {@code mid_attn.fn.fn.to_out.weight}, {@code lbl_embeds.0.weight}, ...), in
 * upstream's order, so an upstream {@code unet.pt} state dict saved as safetensors loads without mapping.
 */
public final class LatentUNet extends Module implements Denoiser {
    private final LatentUNetConfig config;
    private final Conv2d initConv;
    private final GeluMlp timeMlp;
    private final IndexedModules<UNetLevel> downs;
    private final IndexedModules<UNetLevel> ups;
    private final TimeConditionedResnetBlock midBlock1;
    private final ResidualAttention midAttention;
    private final TimeConditionedResnetBlock midBlock2;
    private final TimeConditionedResnetBlock finalResBlock;
    private final Conv2d finalConv;
    private final GeluMlp labelEmbedding;

    /** A model of {@code config} with PyTorch's default initialisation (from the global generator). */
    public LatentUNet(LatentUNetConfig config) {
        this.config = config;
        long timeDim = config.timeDim();
        long groups = config.resnetGroups();
        long heads = config.attentionHeads();
        long headDim = config.attentionHeadDim();
        List<Integer> dims = config.dims();
        int levels = config.levels();
        initConv = register_module("init_conv", new Conv2d(config.inputChannels(), config.initDim(), 1, 1, 0));
        timeMlp = register_module("time_mlp", new GeluMlp(config.imgSize(), timeDim, 1));
        downs = register_module("downs", new IndexedModules<>());
        ups = register_module("ups", new IndexedModules<>());
        long mid = dims.get(levels);
        midBlock1 = register_module("mid_block1", new TimeConditionedResnetBlock(mid, mid, timeDim, groups));
        midAttention = register_module("mid_attn", new ResidualAttention(mid, heads, headDim));
        midBlock2 = register_module("mid_block2", new TimeConditionedResnetBlock(mid, mid, timeDim, groups));
        for (int i = 0; i < levels; i++) {
            long in = dims.get(i);
            long out = dims.get(i + 1);
            List<TimeConditionedResnetBlock> resnets = new ArrayList<>();
            for (int j = 0; j < config.resnetStacks(); j++) {
                resnets.add(new TimeConditionedResnetBlock(in, in, timeDim, groups));
            }
            Block2D resampler =
                    i == levels - 1 ? new Conv2d(in, out, 3, 1, 1) : new PoolDownsample(in, out, config.downKernel());
            downs.add(new UNetLevel(resnets, new ResidualLinearAttention(in, heads, headDim), resampler));
        }
        for (int i = 0; i < levels; i++) {
            long in = dims.get(levels - 1 - i);
            long out = dims.get(levels - i);
            List<TimeConditionedResnetBlock> resnets = new ArrayList<>();
            for (int j = 0; j < config.resnetStacks(); j++) {
                resnets.add(new TimeConditionedResnetBlock(out + in, out, timeDim, groups));
            }
            ups.add(new UNetLevel(resnets, new ResidualLinearAttention(out, heads, headDim), upsampler(out, in, i)));
        }
        long init = config.initDim();
        finalResBlock = register_module(
                "final_res_block", new TimeConditionedResnetBlock(2 * init, config.imgSize(), timeDim, groups));
        finalConv = register_module("final_conv", new Conv2d(config.imgSize(), config.outChannels(), 1, 1, 0));
        labelEmbedding = config.classes() > 0 ? register_module("lbl_embeds", new GeluMlp(1, timeDim, 0)) : null;
    }

    private Block2D upsampler(long in, long out, int index) {
        if (index == config.levels() - 1) {
            return new Conv2d(in, out, 3, 1, 1);
        }
        return config.upMode() == UpMode.CONV
                ? new TransposedConvUpsample(in, out)
                : new InterpolatingUpsample(in, out, config.upMode(), config.upScale());
    }

    /**
     * A model of {@code config} with the weights of {@code weights} (upstream's state-dict keys), loaded strictly: a
     * safetensors file, or upstream's own {@code torch.save(unet.state_dict())} pickle ({@code unet.pt},
     * {@code unet_EMA.pt}), read without running any of its code.
     *
     * @throws dev.vae4j.core.io.WeightLoadingException listing every missing, unexpected or mis-shaped key
     */
    public static LatentUNet load(LatentUNetConfig config, Path weights) {
        LatentUNet model = new LatentUNet(config);
        model.loadWeights(weights, true);
        return model;
    }

    /**
     * Copies the tensors of {@code file} (safetensors or a PyTorch pickle, see
     * {@link dev.vae4j.core.io.torch.CheckpointFiles}; upstream's state-dict keys, any float dtype) into this model.
     *
     * @param strict throw a {@link dev.vae4j.core.io.WeightLoadingException} on any missing, unexpected or mis-shaped
     *     key instead of returning the report
     */
    public LoadReport loadWeights(Path file, boolean strict) {
        try (CheckpointFiles.Opened opened = CheckpointFiles.open(file)) {
            return StateDict.load(this, opened, strict, file.toString());
        }
    }

    /** Writes the weights to {@code file} as float safetensors under upstream's keys (atomically). */
    public void saveWeights(Path file) {
        StateDict.save(this, file);
    }

    /** The configuration this model was built from. */
    public LatentUNetConfig config() {
        return config;
    }

    /**
     * The predicted noise for {@code latents} (N, in_channels, H, W) float at {@code timesteps} (N) float, conditioned
     * on {@code labels} (N) int64 in [0, classes) or null (upstream's {@code lbls=None}); a self-conditioned model gets
     * zeros as its self-conditioning input. H and W must be divisible by {@link LatentUNetConfig#sizeMultiple()}.
     * Returns (N, out_channels, H, W).
     *
     * @throws IllegalArgumentException naming the value and the limit for a wrong shape, a label out of range or labels
     *     for a model without label embedding
     */
    @Override
    public Tensor predict(Tensor latents, Tensor timesteps, Tensor labels) {
        return predict(latents, timesteps, labels, null);
    }

    /**
     * {@link #predict(Tensor, Tensor, Tensor)} with self-conditioning latents {@code selfCondition} (N, in_channels, H,
     * W) (upstream's {@code x_self_cond}, typically the model's previous estimate), or null for zeros.
     *
     * @throws IllegalArgumentException as {@link #predict(Tensor, Tensor, Tensor)}, or when {@code selfCondition} is
     *     given to a model without self-conditioning or differs in shape from {@code latents}
     */
    public Tensor predict(Tensor latents, Tensor timesteps, Tensor labels, Tensor selfCondition) {
        InputChecks.check(config, latents, timesteps, labels, selfCondition);
        return TensorScope.scoped(() -> compute(latents, timesteps, labels, selfCondition));
    }

    private Tensor compute(Tensor latents, Tensor timesteps, Tensor labels, Tensor selfCondition) {
        Tensor x = latents;
        if (config.selfCondition()) {
            Tensor condition = selfCondition == null ? zeros_like(latents) : selfCondition;
            x = cat(new TensorVector(condition, latents), 1);
        }
        x = initConv.forward(x);
        Tensor initial = x;
        ScalarType dtype = latents.scalar_type();
        Tensor sinusoid = SinusoidalEmbedding.of(timesteps.to(ScalarType.Float), config.imgSize());
        Tensor t = timeMlp.forward(sinusoid.to(dtype));
        if (labels != null) {
            t = t.add(labelEmbedding.forward(labels.to(dtype).view(-1, 1)));
        }
        Deque<Tensor> skips = new ArrayDeque<>();
        for (UNetLevel level : downs.list()) {
            for (TimeConditionedResnetBlock block : level.resnets()) {
                x = block.forward(x, t);
                skips.push(x);
            }
            x = level.resampler().forward(level.attention().forward(x));
        }
        x = midBlock2.forward(midAttention.forward(midBlock1.forward(x, t)), t);
        for (UNetLevel level : ups.list()) {
            for (TimeConditionedResnetBlock block : level.resnets()) {
                x = block.forward(cat(new TensorVector(x, skips.pop()), 1), t);
            }
            x = level.resampler().forward(level.attention().forward(x));
        }
        x = finalResBlock.forward(cat(new TensorVector(x, initial), 1), t);
        return finalConv.forward(x);
    }

    @Override
    public int latentChannels() {
        return config.inChannels();
    }

    /** {@code out_channels} (the contract's prediction channels; upstream has no learned variance). */
    @Override
    public int predictionChannels() {
        return config.outChannels();
    }

    /** {@code classes}; 0 when the model has no label embedding. */
    @Override
    public int numClasses() {
        return config.classes();
    }

    /**
     * True: {@link #predict} accepts null labels and computes upstream's {@code lbls=None} forward (no label term). For
     * a class-conditioned model that prediction was never trained (upstream's loops always pass labels and have no
     * class dropout), so classifier-free guidance with it is not upstream's sampling.
     */
    @Override
    public boolean hasUnconditionalPrediction() {
        return true;
    }
}
