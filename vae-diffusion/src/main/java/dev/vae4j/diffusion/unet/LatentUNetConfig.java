package dev.vae4j.diffusion.unet;

import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.core.model.ConfigFields;
import dev.vae4j.core.model.ConfigFormatException;
import dev.vae4j.core.model.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The configuration of stanipov/pytorch-diffusion's latent {@code Unet}, read from and written to the keys of its
 * {@code unet_config} (e.g. {@code configs/LDM.json}). Reading reproduces what upstream's {@code set_unet(config)}
 * builds, defaults included ({@code init_dim} and {@code time_dim} absent, null or 0 become {@code img_size} and
 * {@code 4 * img_size}; {@code out_channels} absent is 3, null or 0 is {@code in_channels}). Two of {@code set_unet}'s
 * reads are not what the keys suggest, and this class follows the code:
 *
 * <ul>
 *   <li>{@code down_mode} is never read: {@code set_unet} pops {@code classes} a second time for it, which always gives
 *       its default {@code 'avg'}. Every model it builds average-pools with kernel {@code down_kern}; LDM.json's
 *       {@code "down_mode": "max"} is ignored. The key is accepted and ignored here too, and written as {@code avg}.
 *   <li>The class count is read from {@code classes} (an int, or a list of per-label counts whose length is the label
 *       vector's width); {@code num_classes}, the key LDM.json has, is ignored, so LDM.json builds a model with no
 *       label embedding. A list of more than one count (multi-label conditioning) does not fit the one-label-per-sample
 *       {@link dev.vae4j.diffusion.Denoiser} contract and is rejected.
 * </ul>
 *
 * <p>{@code comment}, {@code name}, {@code load_name} and {@code num_classes} (ignored by {@code set_unet}) are
 * accepted and not written back; any other unknown key is an error naming it.
 *
 * @param imgSize {@code img_size}: the latents' nominal side; also the sinusoidal timestep embedding's width and the
 *     channels of {@code final_res_block} (even, at least 4)
 * @param inChannels {@code in_channels}: latent channels (doubled at the input when self-conditioned)
 * @param outChannels {@code out_channels}: predicted channels
 * @param initDim {@code init_dim}: channels after the 1x1 {@code init_conv}
 * @param dimMults {@code dim_mults}: level widths are {@code initDim * m}; H and W must be divisible by
 *     {@code downKernel^(levels - 1)}
 * @param timeDim {@code time_dim}: width of the timestep (and label) embedding
 * @param selfCondition {@code self_condition}: the input is {@code cat(self_cond, latents)} along channels
 * @param resnetGroups {@code resnet_grnorm_groups}: GroupNorm groups of every resnet block
 * @param resnetStacks {@code resnet_stacks}: resnet blocks per level (at least 1)
 * @param classes {@code classes}: the class count (labels in [0, classes)), 0 for no label embedding
 * @param downKernel {@code down_kern}: the average-pooling kernel and stride of each downsampler
 * @param upMode {@code up_mode}: how each upsampler resizes
 * @param upScale {@code up_scale}: the interpolation factor (interpolating modes; must equal {@code downKernel})
 * @param attentionHeads {@code attn_heads}
 * @param attentionHeadDim {@code attn_head_res}: channels per attention head
 */
public record LatentUNetConfig(
        int imgSize,
        int inChannels,
        int outChannels,
        int initDim,
        List<Integer> dimMults,
        int timeDim,
        boolean selfCondition,
        int resnetGroups,
        int resnetStacks,
        int classes,
        int downKernel,
        UpMode upMode,
        int upScale,
        int attentionHeads,
        int attentionHeadDim) {

    /** The name of the preset of {@code set_unet(configs/LDM.json unet_config)}. */
    public static final String LDM_PRESET = "pytorch-diffusion-ldm";

    private static final String WHAT = "latent UNet config";
    private static final Set<String> MODELLED = Set.of(
            "img_size",
            "in_channels",
            "out_channels",
            "init_dim",
            "dim_mults",
            "time_dim",
            "self_condition",
            "resnet_grnorm_groups",
            "resnet_stacks",
            "classes",
            "down_mode",
            "down_kern",
            "up_mode",
            "up_scale",
            "attn_heads",
            "attn_head_res");
    /** Keys of upstream's {@code unet_config} that {@code set_unet} does not read. */
    private static final Set<String> IGNORED = Set.of("comment", "name", "load_name", "num_classes");

    /** How an upsampler resizes: upstream's {@code up_mode} values that work on 4-D latents. */
    public enum UpMode {
        /** {@code nn.Upsample(mode='nearest')}, 3x3 conv, GroupNorm. */
        NEAREST,
        /** {@code nn.Upsample(mode='bilinear', align_corners=False)}, 3x3 conv, GroupNorm. */
        BILINEAR,
        /** {@code nn.Upsample(mode='bicubic', align_corners=False)}, 3x3 conv, GroupNorm. */
        BICUBIC,
        /** {@code ConvTranspose2d(k 4, stride 2, padding 1)}, GroupNorm: always a factor of 2. */
        CONV;

        /** The {@code up_mode} string. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        static UpMode parse(String value) {
            for (UpMode mode : values()) {
                if (mode.key().equals(value)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("up_mode '" + value + "' is not one of nearest, bilinear, bicubic, conv"
                    + " (upstream's linear and trilinear fail on 4-D latents)");
        }

        /** The resize factor of an upsampler of this mode with {@code up_scale} {@code scale}. */
        int factor(int scale) {
            return this == CONV ? 2 : scale;
        }
    }

    /** Validates the configuration; every message names the key and value at fault. */
    public LatentUNetConfig {
        dimMults = List.copyOf(dimMults);
        if (imgSize < 4 || imgSize % 2 != 0) {
            throw new IllegalArgumentException("img_size " + imgSize + " must be even and at least 4 (it is the"
                    + " sinusoidal timestep embedding's width, which divides by img_size / 2 - 1)");
        }
        positive("in_channels", inChannels);
        positive("out_channels", outChannels);
        positive("init_dim", initDim);
        positive("time_dim", timeDim);
        positive("resnet_stacks", resnetStacks);
        positive("down_kern", downKernel);
        positive("up_scale", upScale);
        positive("attn_heads", attentionHeads);
        positive("attn_head_res", attentionHeadDim);
        if (classes < 0) {
            throw new IllegalArgumentException("classes " + classes + " must be at least 0 (0: no label embedding)");
        }
        if (dimMults.isEmpty()) {
            throw new IllegalArgumentException("dim_mults must not be empty");
        }
        for (int mult : dimMults) {
            positive("dim_mults entry", mult);
        }
        if (upMode == null) {
            throw new IllegalArgumentException("up_mode must not be null");
        }
        if (dimMults.size() > 1 && upMode.factor(upScale) != downKernel) {
            throw new IllegalArgumentException("up_mode " + upMode.key() + " with up_scale " + upScale + " resizes by "
                    + upMode.factor(upScale) + " but down_kern is " + downKernel
                    + ": the skip connections would not line up");
        }
        groupsDivide(resnetGroups, "init_dim", initDim);
        groupsDivide(resnetGroups, "img_size", imgSize);
        for (int mult : dimMults) {
            groupsDivide(resnetGroups, "init_dim * dim_mults entry " + mult, initDim * mult);
        }
    }

    private static void positive(String key, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(key + " " + value + " must be at least 1");
        }
    }

    private static void groupsDivide(int groups, String what, int channels) {
        if (groups < 1 || channels % groups != 0) {
            throw new IllegalArgumentException(
                    "resnet_grnorm_groups " + groups + " does not divide " + what + " = " + channels + " channels");
        }
    }

    /** Number of resolution levels ({@code dimMults.size()}). */
    public int levels() {
        return dimMults.size();
    }

    /** The factor by which H and W of the latents must be divisible: {@code downKernel^(levels - 1)}. */
    public long sizeMultiple() {
        long multiple = 1;
        for (int i = 1; i < levels(); i++) {
            multiple *= downKernel;
        }
        return multiple;
    }

    /**
     * Multiply-accumulates of one forward pass of one sample on {@code latentSize} x {@code latentSize} latents, from
     * the config (nothing is run): every convolution ({@code in * out * k^2} per output pixel; a transposed one per
     * input pixel), every linear layer ({@code in * out}: the timestep MLP, each resnet block's time projection and,
     * when {@code classes > 0}, the label MLP, all once per sample), the linear attentions' context and output products
     * ({@code 2 * heads * headDim^2} per pixel) and the middle attention's scores and weighted values ({@code pixels^2
     * * heads * headDim} each). Not counted: biases, group norms, activations, softmax, pooling, interpolation, the
     * scale-shift and residual arithmetic and the sinusoids.
     *
     * @throws IllegalArgumentException if {@code latentSize} is not a positive multiple of {@link #sizeMultiple()}
     */
    public long macs(int latentSize) {
        if (latentSize < 1 || latentSize % sizeMultiple() != 0) {
            throw new IllegalArgumentException("latent size " + latentSize + " is not a positive multiple of "
                    + sizeMultiple() + " (down_kern^(levels - 1))");
        }
        return LatentUNetMacs.count(this, latentSize);
    }

    /** Channels {@code init_conv} takes: {@code inChannels}, doubled when self-conditioned. */
    public int inputChannels() {
        return selfCondition ? 2 * inChannels : inChannels;
    }

    /** Channels per level boundary: {@code [initDim, initDim * m_0, initDim * m_1, ...]}, upstream's {@code dims}. */
    List<Integer> dims() {
        List<Integer> dims = new ArrayList<>();
        dims.add(initDim);
        dimMults.forEach(m -> dims.add(initDim * m));
        return dims;
    }

    /** A builder with {@code set_unet}'s defaults for the latents' nominal side {@code imgSize}. */
    public static Builder builder(int imgSize) {
        return new Builder(imgSize);
    }

    /** The names {@link #preset(String)} accepts. */
    public static List<String> presetNames() {
        return List.of(LDM_PRESET);
    }

    /**
     * A preset by name. {@value #LDM_PRESET}: what {@code set_unet} builds from stanipov/pytorch-diffusion's
     * {@code configs/LDM.json} {@code unet_config} (commit 705b007): 64 px, 4 latent channels in and out, init_dim 64,
     * dim_mults 1,2,2,4, time_dim 256, 32 groups, 2 resnet stacks, 4 heads of 32, nearest upsampling by 2, average
     * pooling by 2 (the JSON's {@code "down_mode": "max"} is ignored by {@code set_unet}), no self-conditioning and
     * <em>no label embedding</em> (the JSON's {@code num_classes: 27} is not read); 12,191,108 parameters.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static LatentUNetConfig preset(String name) {
        if (!LDM_PRESET.equals(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("unknown latent UNet preset '" + name + "'; known: " + presetNames());
        }
        return builder(64)
                .channels(4, 4)
                .initDim(64)
                .dimMults(List.of(1, 2, 2, 4))
                .timeDim(256)
                .resnetGroups(32)
                .resnetStacks(2)
                .upMode(UpMode.NEAREST)
                .attention(4, 32)
                .build();
    }

    /**
     * Reads a {@code unet_config} JSON object file.
     *
     * @throws dev.vae4j.core.FileAccessException if the file cannot be read
     * @throws ConfigFormatException naming the file, key and value if it is not a valid config
     */
    public static LatentUNetConfig read(Path file) {
        return ConfigFields.read(file, LatentUNetConfig::fromConfig);
    }

    /** Every key {@link #fromConfig} accepts. */
    public static Set<String> knownKeys() {
        Set<String> known = new TreeSet<>(MODELLED);
        known.addAll(IGNORED);
        return known;
    }

    /**
     * Reads a {@code unet_config} object the way {@code set_unet} does (see the class description).
     *
     * @throws ConfigFormatException naming the key for an unknown key (with the closest known one) or a bad value
     */
    public static LatentUNetConfig fromConfig(ModelConfig config) {
        ConfigFields f = config.fields(WHAT);
        f.requireKnownKeys(knownKeys());
        f.text("down_mode", "avg");
        int imgSize = f.integer("img_size");
        int inChannels = f.integer("in_channels", 3);
        int outChannels = config.has("out_channels") ? f.integer("out_channels", 0) : 3;
        int initDim = f.integer("init_dim", 0);
        int timeDim = f.integer("time_dim", 0);
        return ConfigFields.construct(() -> new LatentUNetConfig(
                imgSize,
                inChannels,
                outChannels == 0 ? inChannels : outChannels,
                initDim == 0 ? imgSize : initDim,
                f.integers("dim_mults", List.of(1, 2, 4, 8)),
                timeDim == 0 ? 4 * imgSize : timeDim,
                f.bool("self_condition", false),
                f.integer("resnet_grnorm_groups", 4),
                f.integer("resnet_stacks", 2),
                classes(f),
                f.integer("down_kern", 2),
                UpMode.parse(f.text("up_mode", "bilinear")),
                f.integer("up_scale", 2),
                f.integer("attn_heads", 4),
                f.integer("attn_head_res", 16)));
    }

    /** {@code classes}: an int, or a list of per-label class counts of which only one label fits the contract. */
    private static int classes(ConfigFields f) {
        String json = f.json("classes");
        if (json == null || !json.startsWith("[")) {
            return f.integer("classes", 0);
        }
        List<Integer> counts = f.integers("classes");
        if (counts.size() > 1) {
            throw new ConfigFormatException(WHAT + ": classes " + counts + " asks for " + counts.size()
                    + " labels per sample; one label per sample is supported");
        }
        return counts.isEmpty() ? 0 : counts.get(0);
    }

    /** This config as {@code unet_config} keys ({@code classes} as an int, absent when 0; {@code down_mode} avg). */
    public ModelConfig toConfig() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("img_size", imgSize);
        fields.put("in_channels", inChannels);
        fields.put("out_channels", outChannels);
        fields.put("init_dim", initDim);
        fields.put("dim_mults", dimMults);
        fields.put("time_dim", timeDim);
        fields.put("self_condition", selfCondition);
        fields.put("resnet_grnorm_groups", resnetGroups);
        fields.put("resnet_stacks", resnetStacks);
        if (classes > 0) {
            fields.put("classes", classes);
        }
        fields.put("down_mode", "avg");
        fields.put("down_kern", downKernel);
        fields.put("up_mode", upMode.key());
        fields.put("up_scale", upScale);
        fields.put("attn_heads", attentionHeads);
        fields.put("attn_head_res", attentionHeadDim);
        return ModelConfig.of(fields);
    }

    /** Writes {@link #toConfig()} to {@code file} atomically. */
    public void write(Path file) {
        AtomicFiles.writeString(file, toConfig().toJson() + "\n");
    }

    /** Builds a {@link LatentUNetConfig} by name, starting from {@code set_unet}'s defaults. */
    public static final class Builder {
        private final int imgSize;
        private int inChannels = 3;
        private int outChannels = 3;
        private Integer initDim;
        private List<Integer> dimMults = List.of(1, 2, 4, 8);
        private Integer timeDim;
        private boolean selfCondition;
        private int resnetGroups = 4;
        private int resnetStacks = 2;
        private int classes;
        private int downKernel = 2;
        private UpMode upMode = UpMode.BILINEAR;
        private int upScale = 2;
        private int attentionHeads = 4;
        private int attentionHeadDim = 16;

        private Builder(int imgSize) {
            this.imgSize = imgSize;
        }

        /** Latent channels in and predicted channels out (default 3 and 3). */
        public Builder channels(int in, int out) {
            this.inChannels = in;
            this.outChannels = out;
            return this;
        }

        /** {@code init_dim} (default {@code img_size}). */
        public Builder initDim(int initDim) {
            this.initDim = initDim;
            return this;
        }

        /** {@code dim_mults} (default 1, 2, 4, 8). */
        public Builder dimMults(List<Integer> dimMults) {
            this.dimMults = dimMults;
            return this;
        }

        /** {@code time_dim} (default {@code 4 * img_size}). */
        public Builder timeDim(int timeDim) {
            this.timeDim = timeDim;
            return this;
        }

        /** {@code self_condition} (default false). */
        public Builder selfCondition(boolean selfCondition) {
            this.selfCondition = selfCondition;
            return this;
        }

        /** {@code resnet_grnorm_groups} (default 4). */
        public Builder resnetGroups(int groups) {
            this.resnetGroups = groups;
            return this;
        }

        /** {@code resnet_stacks} (default 2). */
        public Builder resnetStacks(int stacks) {
            this.resnetStacks = stacks;
            return this;
        }

        /** {@code classes} (default 0: no label embedding). */
        public Builder classes(int classes) {
            this.classes = classes;
            return this;
        }

        /** {@code down_kern} (default 2). */
        public Builder downKernel(int kernel) {
            this.downKernel = kernel;
            return this;
        }

        /** {@code up_mode} (default bilinear, {@code set_unet}'s). */
        public Builder upMode(UpMode mode) {
            this.upMode = mode;
            return this;
        }

        /** {@code up_scale} (default 2). */
        public Builder upScale(int scale) {
            this.upScale = scale;
            return this;
        }

        /** {@code attn_heads} and {@code attn_head_res} (default 4 and 16). */
        public Builder attention(int heads, int headDim) {
            this.attentionHeads = heads;
            this.attentionHeadDim = headDim;
            return this;
        }

        /**
         * The config.
         *
         * @throws IllegalArgumentException as the record's constructor
         */
        public LatentUNetConfig build() {
            return new LatentUNetConfig(
                    imgSize,
                    inChannels,
                    outChannels,
                    initDim == null ? imgSize : initDim,
                    dimMults,
                    timeDim == null ? 4 * imgSize : timeDim,
                    selfCondition,
                    resnetGroups,
                    resnetStacks,
                    classes,
                    downKernel,
                    upMode,
                    upScale,
                    attentionHeads,
                    attentionHeadDim);
        }
    }
}
