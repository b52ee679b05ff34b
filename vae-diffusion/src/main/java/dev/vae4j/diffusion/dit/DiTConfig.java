package dev.vae4j.diffusion.dit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.core.model.ConfigFields;
import dev.vae4j.core.model.ConfigFormatException;
import dev.vae4j.core.model.ConfigKeys;
import dev.vae4j.core.model.ModelConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The configuration of diffusers' {@code DiTTransformer2DModel}, read from and written to its {@code config.json}:
 * every argument of its {@code register_to_config} constructor under diffusers' name, with diffusers' defaults when a
 * key is absent. Keys are strict (an unknown key is an error naming it and the closest known key) except diffusers'
 * bookkeeping keys, which are kept in {@link #extras()} and written back. Options diffusers' DiT cannot run
 * ({@code norm_type} other than {@code ada_norm_zero}, a null {@code num_embeds_ada_norm}) and activations other than
 * {@code gelu}/{@code gelu-approximate} are refused with a {@link ConfigFormatException} naming the key and value.
 *
 * @param numAttentionHeads attention heads per block
 * @param attentionHeadDim channels per head; the token width is {@code heads * headDim}
 * @param inChannels latent channels in
 * @param outChannels channels out, or null for {@code inChannels} (twice that for DiT's learned sigma)
 * @param numLayers transformer blocks
 * @param dropout dropout probability after attention and inside the feed-forward, training mode only, in [0, 1)
 * @param normNumGroups kept for diffusers (its DiT builds no GroupNorm)
 * @param attentionBias whether {@code to_q/to_k/to_v} have biases ({@code to_out.0} always has one)
 * @param sampleSize latent side in pixels the position table is built for
 * @param patchSize patch side; {@code sampleSize} must be a multiple
 * @param activationFn feed-forward activation: {@code gelu-approximate} (tanh) or {@code gelu}
 * @param numEmbedsAdaNorm number of classes; the label tables have one more row, the null class
 * @param upcastAttention kept for diffusers (its scaled-dot-product path computes in the input precision either way)
 * @param normType must be {@code ada_norm_zero}
 * @param normElementwiseAffine whether the feed-forward LayerNorm ({@code norm3}) has a weight and bias
 * @param normEps epsilon of the feed-forward LayerNorm (the adaLN and output norms use 1e-6, as diffusers does)
 * @param extras diffusers' bookkeeping keys of the source file, each value as JSON text, written back unchanged
 */
public record DiTConfig(
        int numAttentionHeads,
        int attentionHeadDim,
        int inChannels,
        Integer outChannels,
        int numLayers,
        double dropout,
        int normNumGroups,
        boolean attentionBias,
        int sampleSize,
        int patchSize,
        String activationFn,
        int numEmbedsAdaNorm,
        boolean upcastAttention,
        String normType,
        boolean normElementwiseAffine,
        double normEps,
        Map<String, String> extras) {

    /** Class name diffusers expects in {@code _class_name}. */
    public static final String CLASS_NAME = "DiTTransformer2DModel";
    /** Written as {@code _diffusers_version}: the diffusers release the parity fixtures come from. */
    public static final String DIFFUSERS_VERSION = "0.42.1";
    /** The only {@code norm_type} diffusers' DiT implements. */
    public static final String ADA_NORM_ZERO = "ada_norm_zero";
    /** Width of the sinusoidal timestep features ({@code Timesteps(num_channels=256)} in diffusers). */
    public static final int TIMESTEP_FEATURES = 256;

    private static final String WHAT = "DiTTransformer2DModel config";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ACTIVATIONS = Set.of("gelu-approximate", "gelu");
    private static final List<String> MODELLED = List.of(
            "num_attention_heads",
            "attention_head_dim",
            "in_channels",
            "out_channels",
            "num_layers",
            "dropout",
            "norm_num_groups",
            "attention_bias",
            "sample_size",
            "patch_size",
            "activation_fn",
            "num_embeds_ada_norm",
            "upcast_attention",
            "norm_type",
            "norm_elementwise_affine",
            "norm_eps",
            "_class_name",
            "_diffusers_version");
    /** diffusers' bookkeeping keys: accepted, kept in {@link #extras()} and written back. */
    public static final Set<String> DIFFUSERS_BOOKKEEPING =
            Set.of("_name_or_path", "_use_default_values", "_commit_hash");

    /** Validates; throws {@link IllegalArgumentException} naming the key and value at fault. */
    public DiTConfig {
        extras = Collections.unmodifiableMap(new TreeMap<>(extras));
        require(numAttentionHeads > 0, "num_attention_heads must be positive, got " + numAttentionHeads);
        require(attentionHeadDim > 0, "attention_head_dim must be positive, got " + attentionHeadDim);
        require(inChannels > 0, "in_channels must be positive, got " + inChannels);
        require(outChannels == null || outChannels > 0, "out_channels must be positive or null, got " + outChannels);
        require(numLayers > 0, "num_layers must be positive, got " + numLayers);
        require(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), got " + dropout);
        require(sampleSize > 0, "sample_size must be positive, got " + sampleSize);
        require(patchSize > 0, "patch_size must be positive, got " + patchSize);
        require(
                sampleSize % patchSize == 0,
                "sample_size " + sampleSize + " is not a multiple of patch_size " + patchSize);
        require(
                ACTIVATIONS.contains(activationFn),
                "unsupported activation_fn '" + activationFn + "' (gelu-approximate or gelu)");
        require(numEmbedsAdaNorm > 0, "num_embeds_ada_norm must be positive, got " + numEmbedsAdaNorm);
        require(
                ADA_NORM_ZERO.equals(normType),
                "unsupported norm_type '" + normType + "' (diffusers' DiT implements only " + ADA_NORM_ZERO + ")");
        require(normEps > 0, "norm_eps must be positive, got " + normEps);
        long inner = (long) numAttentionHeads * attentionHeadDim;
        require(
                inner % 4 == 0,
                "num_attention_heads * attention_head_dim = " + inner
                        + " must be a multiple of 4 (the 2-D sin-cos positions split it in four)");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(WHAT + ": " + message);
        }
    }

    /** Token width, {@code heads * headDim}. */
    public int innerDim() {
        return numAttentionHeads * attentionHeadDim;
    }

    /** Channels of the model's output: {@code outChannels}, or {@code inChannels} when that is null. */
    public int outputChannels() {
        return outChannels == null ? inChannels : outChannels;
    }

    /** Patches per side at {@link #sampleSize()}: the base size of the sin-cos position grid. */
    public int gridSize() {
        return sampleSize / patchSize;
    }

    /**
     * The number of parameters the model built from this config has, from the layer shapes (diffusers' layout: each
     * block's {@code AdaLayerNormZero} owns a timestep MLP and a label table of {@code numEmbedsAdaNorm + 1} rows).
     */
    public long parameterCount() {
        return parameterCountsByChild().values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }

    /**
     * {@link #parameterCount()} split by the model's top-level children, in diffusers' order: {@code pos_embed} (the
     * patch convolution; the sin-cos table is a buffer), {@code transformer_blocks}, {@code proj_out_1} and
     * {@code proj_out_2}. Computed from the layer shapes, so the largest presets need not be allocated to be counted.
     */
    public Map<String, Long> parameterCountsByChild() {
        long d = innerDim();
        long patchArea = (long) patchSize * patchSize;
        long timestepMlp = TIMESTEP_FEATURES * d + d + d * d + d;
        long labelTable = (numEmbedsAdaNorm + 1L) * d;
        long adaLinear = d * 6 * d + 6 * d;
        long attention = 4 * d * d + (attentionBias ? 3 * d : 0) + d;
        long norm3 = normElementwiseAffine ? 2 * d : 0;
        long feedForward = d * 4 * d + 4 * d + 4 * d * d + d;
        long block = timestepMlp + labelTable + adaLinear + attention + norm3 + feedForward;
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("pos_embed", inChannels * patchArea * d + d);
        counts.put("transformer_blocks", numLayers * block);
        counts.put("proj_out_1", d * 2 * d + 2 * d);
        counts.put("proj_out_2", d * patchArea * outputChannels() + patchArea * outputChannels());
        return counts;
    }

    /**
     * Multiply-accumulates of one forward pass of one sample on {@code latentSize} x {@code latentSize} latents, from
     * the config (nothing is run), as diffusers' {@code DiTTransformer2DModel} computes it with {@code N = (latentSize
     * / patchSize)^2} tokens of width {@code d = innerDim()}: the patch convolution ({@code N * in * patch^2 * d}); per
     * block the timestep MLP of its {@code AdaLayerNormZero} ({@code 256 * d + d^2}; diffusers runs one per block and
     * one more for the output, where the DiT paper's code runs one in all), its adaLN linear ({@code 6 d^2}),
     * {@code to_q/to_k/to_v/to_out.0} ({@code 4 N d^2}), the attention scores and the weighted values ({@code N^2 d}
     * each, summed over heads) and the feed-forward ({@code 8 N d^2}); the output's timestep MLP, {@code proj_out_1}
     * ({@code 2 d^2}) and {@code proj_out_2} ({@code N * d * patch^2 * out}). Not counted: biases, layer norms,
     * activations, softmax, the modulation and residual arithmetic, the sinusoids and label lookups (the convention of
     * the DiT paper's Gflops, which are these MACs: DiT-S/2 at 32 px latents is 6.06 G).
     *
     * @throws IllegalArgumentException if {@code latentSize} is not a positive multiple of {@code patchSize}
     */
    public long macs(int latentSize) {
        require(
                latentSize > 0 && latentSize % patchSize == 0,
                "latent size " + latentSize + " is not a positive multiple of patch_size " + patchSize);
        long d = innerDim();
        long side = latentSize / patchSize;
        long tokens = side * side;
        long patchArea = (long) patchSize * patchSize;
        long timestepMlp = TIMESTEP_FEATURES * d + d * d;
        long block = timestepMlp + 6 * d * d + 12 * tokens * d * d + 2 * tokens * tokens * d;
        return tokens * inChannels * patchArea * d
                + numLayers * block
                + timestepMlp
                + 2 * d * d
                + tokens * d * patchArea * outputChannels();
    }

    /**
     * The DiT paper's sizes (Peebles and Xie 2023, table 1) as diffusers builds them: {@code DiT-S/2} (6 heads x 64, 12
     * layers), {@code DiT-B/2} (12 x 64, 12), {@code DiT-L/2} (16 x 64, 24), {@code DiT-XL/2} (16 x 72, 28); all on 4
     * latent channels with learned sigma (8 out), 32 px latents (256 px images through an f8 VAE), patch 2, 1000
     * classes. Names are case-insensitive, and each is also accepted without its slash, as the command line spells them
     * ({@link #shortPresetNames()}: {@code dit-s2}, ...).
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static DiTConfig preset(String name) {
        int[] shape = switch (name.toLowerCase(Locale.ROOT).replace("/", "")) {
            case "dit-s2" -> new int[] {6, 64, 12};
            case "dit-b2" -> new int[] {12, 64, 12};
            case "dit-l2" -> new int[] {16, 64, 24};
            case "dit-xl2" -> new int[] {16, 72, 28};
            default ->
                throw new IllegalArgumentException("unknown DiT preset '" + name + "'; known: " + presetNames()
                        + " (or " + shortPresetNames() + ")");
        };
        return builder(shape[0], shape[1], shape[2]).learnedSigma().build();
    }

    /** The names {@link #preset(String)} accepts, as the DiT paper writes them. */
    public static List<String> presetNames() {
        return List.of("DiT-S/2", "DiT-B/2", "DiT-L/2", "DiT-XL/2");
    }

    /**
     * The same presets as the command line names them: {@code dit-s2}, {@code dit-b2}, {@code dit-l2}, {@code dit-xl2}.
     */
    public static List<String> shortPresetNames() {
        return presetNames().stream()
                .map(n -> n.toLowerCase(Locale.ROOT).replace("/", ""))
                .toList();
    }

    /**
     * A builder with diffusers' constructor defaults for everything but the transformer's shape: 4 channels in, out =
     * in ({@link Builder#learnedSigma()} for twice that), no dropout, attention bias, sample 32, patch 2,
     * gelu-approximate, 1000 classes, ada_norm_zero, no norm affine, eps 1e-5.
     */
    public static Builder builder(int numAttentionHeads, int attentionHeadDim, int numLayers) {
        return new Builder(numAttentionHeads, attentionHeadDim, numLayers);
    }

    /**
     * Reads a diffusers {@code config.json}; missing keys take diffusers' constructor defaults.
     *
     * @throws dev.vae4j.core.FileAccessException if the file cannot be read
     * @throws ConfigFormatException naming the file and key if it is not a valid DiT config
     */
    public static DiTConfig read(Path file) {
        return ConfigFields.read(file, DiTConfig::fromConfig);
    }

    /** Every key {@link #fromConfig} accepts. */
    public static Set<String> knownKeys() {
        Set<String> known = new TreeSet<>(MODELLED);
        known.addAll(DIFFUSERS_BOOKKEEPING);
        return known;
    }

    /**
     * Reads a diffusers config object; missing keys (a missing {@code _class_name} included) take diffusers'
     * constructor defaults.
     *
     * @throws ConfigFormatException naming the key for an unknown key, a wrong type or a value the model cannot take
     */
    public static DiTConfig fromConfig(ModelConfig config) {
        ConfigFields f = config.fields(WHAT);
        f.require(
                !config.has("_class_name") || CLASS_NAME.equals(config.className()),
                "_class_name is '" + config.className() + "', expected " + CLASS_NAME);
        Map<String, String> extras = new TreeMap<>();
        for (String key : f.keys()) {
            if (DIFFUSERS_BOOKKEEPING.contains(key)) {
                extras.put(key, f.json(key));
            } else if (!MODELLED.contains(key)) {
                throw new ConfigFormatException(ConfigKeys.unknownKeyMessage(WHAT, key, knownKeys()));
            }
        }
        f.require(
                !"null".equals(f.json("num_embeds_ada_norm")),
                "num_embeds_ada_norm null is not supported (ada_norm_zero needs the number of classes)");
        int inChannels = f.integer("in_channels", 4);
        Integer outChannels = config.has("out_channels") && !"null".equals(f.json("out_channels"))
                ? Integer.valueOf(f.integer("out_channels"))
                : null;
        return ConfigFields.construct(() -> new DiTConfig(
                f.integer("num_attention_heads", 16),
                f.integer("attention_head_dim", 72),
                inChannels,
                outChannels,
                f.integer("num_layers", 28),
                f.number("dropout", 0.0),
                f.integer("norm_num_groups", 32),
                f.bool("attention_bias", true),
                f.integer("sample_size", 32),
                f.integer("patch_size", 2),
                f.text("activation_fn", "gelu-approximate"),
                f.integer("num_embeds_ada_norm", 1000),
                f.bool("upcast_attention", false),
                f.text("norm_type", ADA_NORM_ZERO),
                f.bool("norm_elementwise_affine", false),
                f.number("norm_eps", 1e-5),
                extras));
    }

    /** This config as diffusers' {@code save_pretrained} writes it to {@code config.json} (keys sorted). */
    public ModelConfig toConfig() {
        Map<String, Object> fields = new TreeMap<>();
        fields.put("_class_name", CLASS_NAME);
        fields.put("_diffusers_version", DIFFUSERS_VERSION);
        extras.forEach((key, json) -> fields.put(key, parseJson(json)));
        fields.put("num_attention_heads", numAttentionHeads);
        fields.put("attention_head_dim", attentionHeadDim);
        fields.put("in_channels", inChannels);
        fields.put("out_channels", outChannels);
        fields.put("num_layers", numLayers);
        fields.put("dropout", dropout);
        fields.put("norm_num_groups", normNumGroups);
        fields.put("attention_bias", attentionBias);
        fields.put("sample_size", sampleSize);
        fields.put("patch_size", patchSize);
        fields.put("activation_fn", activationFn);
        fields.put("num_embeds_ada_norm", numEmbedsAdaNorm);
        fields.put("upcast_attention", upcastAttention);
        fields.put("norm_type", normType);
        fields.put("norm_elementwise_affine", normElementwiseAffine);
        fields.put("norm_eps", normEps);
        return ModelConfig.of(fields);
    }

    private static JsonNode parseJson(String json) {
        try {
            return JSON.readTree(json.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException(WHAT + ": an extra key holds invalid JSON " + json, e);
        }
    }

    /** Writes {@link #toConfig()} to {@code file} atomically (a failed write leaves the previous file intact). */
    public void write(Path file) {
        AtomicFiles.writeString(file, toConfig().toJson() + "\n");
    }

    /** Builds a {@link DiTConfig} field by field; {@link #build()} validates like the record's constructor. */
    public static final class Builder {
        private final int numAttentionHeads;
        private final int attentionHeadDim;
        private final int numLayers;
        private int inChannels = 4;
        private Integer outChannels;
        private double dropout;
        private boolean attentionBias = true;
        private int sampleSize = 32;
        private int patchSize = 2;
        private String activationFn = "gelu-approximate";
        private int numEmbedsAdaNorm = 1000;
        private boolean normElementwiseAffine;
        private double normEps = 1e-5;

        private Builder(int numAttentionHeads, int attentionHeadDim, int numLayers) {
            this.numAttentionHeads = numAttentionHeads;
            this.attentionHeadDim = attentionHeadDim;
            this.numLayers = numLayers;
        }

        /** Latent channels in; the output follows ({@code out_channels} null) unless set after this. */
        public Builder channels(int in, Integer out) {
            inChannels = in;
            outChannels = out;
            return this;
        }

        /** {@code out_channels = 2 * in_channels}: the prediction plus DiT's learned variance. */
        public Builder learnedSigma() {
            outChannels = 2 * inChannels;
            return this;
        }

        /** Latent side and patch side. */
        public Builder size(int sample, int patch) {
            sampleSize = sample;
            patchSize = patch;
            return this;
        }

        /** Number of classes (the label tables get one more row, the null class). */
        public Builder classes(int value) {
            numEmbedsAdaNorm = value;
            return this;
        }

        /** Dropout probability (training mode). */
        public Builder dropout(double value) {
            dropout = value;
            return this;
        }

        /** Whether {@code to_q/to_k/to_v} have biases. */
        public Builder attentionBias(boolean value) {
            attentionBias = value;
            return this;
        }

        /** Feed-forward activation, {@code gelu-approximate} or {@code gelu}. */
        public Builder activation(String value) {
            activationFn = value;
            return this;
        }

        /** The feed-forward LayerNorm: with a weight and bias or not, and its epsilon. */
        public Builder feedForwardNorm(boolean elementwiseAffine, double eps) {
            normElementwiseAffine = elementwiseAffine;
            normEps = eps;
            return this;
        }

        /** The configuration. */
        public DiTConfig build() {
            return new DiTConfig(
                    numAttentionHeads,
                    attentionHeadDim,
                    inChannels,
                    outChannels,
                    numLayers,
                    dropout,
                    32,
                    attentionBias,
                    sampleSize,
                    patchSize,
                    activationFn,
                    numEmbedsAdaNorm,
                    false,
                    ADA_NORM_ZERO,
                    normElementwiseAffine,
                    normEps,
                    Map.of());
        }
    }
}
