package dev.vae4j.core.io;

import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The checkpoint layouts (key naming schemes) of the systems vae4j implements, recognised from a state dict's key
 * names, each with the mapping that presents it under vae4j's names and the command that loads it. Keys are examined
 * after removing the name parts of training wrappers: DDP's {@code module.} and {@code torch.compile}'s
 * {@code _orig_mod.}.
 *
 * <p>{@link #detect} tries the layouts in declaration order (most specific first) and returns the first whose signature
 * the keys carry; {@link #mostResembled} names the layout with the most keys in its vocabulary, for error messages. A
 * new layout is one more constant.
 */
public enum CheckpointLayout {
    /** stanipov/pytorch-diffusion {@code VAE} ({@code src/models/vae.py}): {@code _encoder.downsample.N...}. */
    PYTORCH_DIFFUSION_VAE(
            "pytorch-diffusion-vae",
            Model.AUTOENCODER_KL,
            "linear-attention-f8c4",
            "stanipov/pytorch-diffusion's VAE state dict",
            "vae convert --layout pytorch-diffusion-vae --config linear-attention-f8c4 (models/vae.pt) or the training"
                    + " JSON it was trained with (configs/vae_f8.json)",
            "^(_encoder|_decoder|pre_quantizer|post_quantizer)\\.",
            keys -> any(keys, "_encoder.") && !any(keys, "_vq."),
            (source, levels) -> PytorchDiffusionKeyMapping.wrap(source)),
    /** open-LiteVAE's Lightning {@code LiteAutoencoderKL} {@code .ckpt}: {@code encoder.extractors...}. */
    OPEN_LITEVAE(
            "open-litevae",
            Model.LITE_VAE,
            null,
            "an open-LiteVAE Lightning checkpoint",
            "vae convert --layout open-litevae --config <LiteVAE preset or config.json> (the encoder.* and decoder.*"
                    + " tensors; loss.* and *_ema.* are dropped)",
            "^(encoder\\.(extractors|aggregator)|decoder\\.(conv_in|conv_norm|conv_out|mid|up)|loss"
                    + "|(encoder|decoder|quantizer)_ema|quantizer)\\.",
            keys -> any(keys, "encoder.extractors."),
            (source, levels) -> dropping(source, List.of("loss.", "encoder_ema.", "decoder_ema.", "quantizer_ema."))),
    /** stanipov/pytorch-diffusion {@code Unet} ({@code src/models/unet.py}): {@code init_conv}, {@code downs}. */
    PYTORCH_DIFFUSION_UNET(
            "pytorch-diffusion-unet",
            Model.LATENT_UNET,
            "pytorch-diffusion-ldm",
            "stanipov/pytorch-diffusion's Unet state dict",
            "vae convert --layout pytorch-diffusion-unet --config pytorch-diffusion-ldm (its configs/LDM.json) or a"
                    + " LatentUNet config.json",
            "^(init_conv|time_mlp|lbl_embeds|downs|ups|mid_block1|mid_attn|mid_block2|final_res_block|final_conv)\\.",
            keys -> any(keys, "time_mlp.") && any(keys, "downs.") && any(keys, "final_conv."),
            (source, levels) -> source),
    /** diffusers {@code AutoencoderKL} (also vae4j's own files): {@code encoder.down_blocks...}. */
    DIFFUSERS(
            "diffusers",
            Model.AUTOENCODER_KL,
            "sd",
            "diffusers AutoencoderKL names",
            "vae convert --layout diffusers --config <the architecture's preset or config.json>, or a diffusers"
                    + " folder with its config.json",
            "^(vae\\.)?((encoder|decoder)\\.(conv_in|conv_out|conv_norm_out|down_blocks|up_blocks|mid_block)"
                    + "|quant_conv|post_quant_conv)\\.",
            keys -> keys.stream()
                    .anyMatch(k -> k.matches("^(vae\\.)?(encoder\\.down_blocks|decoder\\.up_blocks)\\..*")),
            DiffusersKeyMapping::wrap),
    /**
     * cloneofsimo/vqgan-training {@code ae.py}: LDM's names without quant convs, attention (if any) as
     * {@code mid.attn_1.qkv}.
     */
    VQGAN_TRAINING(
            "vqgan-training",
            Model.AUTOENCODER_KL,
            "vqgan-training-f8c16",
            "cloneofsimo/vqgan-training's ae.py state dict",
            "vae convert --layout vqgan-training --config vqgan-training-f8c16 (v0.2, mid attention) or a config.json"
                    + " of the same architecture (mid_block_add_attention false for HEAD's attention-free ae.py)",
            "^(encoder|decoder)\\.(conv_in|conv_out|norm_out|down|up|mid)\\.",
            keys -> any(keys, "encoder.down.")
                    && !any(keys, "quant_conv.")
                    && keys.stream().noneMatch(k -> k.contains(".mid.attn_1.q.")),
            VqganTrainingKeyMapping::wrap),
    /** LDM/CompVis {@code AutoencoderKL} first stage, alone or under {@code first_stage_model.}. */
    LDM(
            "ldm",
            Model.AUTOENCODER_KL,
            "sd",
            "an LDM/CompVis AutoencoderKL (first stage) checkpoint",
            "vae convert --layout ldm --config <preset sd, sdxl, sd3, flux or a config.json>",
            "^(first_stage_model\\.|vae\\.)?((encoder|decoder)\\.(conv_in|conv_out|norm_out|down|up|mid)"
                    + "|quant_conv|post_quant_conv)\\.",
            keys -> keys.stream()
                    .anyMatch(
                            k -> k.matches("^(first_stage_model\\.|vae\\.)?(encoder\\.down|decoder\\.up)\\.\\d+\\..*")),
            DiffusersKeyMapping::wrap),
    /**
     * stanipov/pytorch-diffusion {@code VQModel} ({@code src/models/vq_vae.py}): the VAE's names plus the codebook
     * {@code _vq._embedding.weight}. Declared last so that the VAE, whose names it shares, wins ties in
     * {@link #mostResembled}; no other signature accepts its keys.
     */
    PYTORCH_DIFFUSION_VQ(
            "pytorch-diffusion-vq",
            Model.PYTORCH_DIFFUSION_VQ,
            null,
            "stanipov/pytorch-diffusion's VQModel state dict",
            "vae convert --layout pytorch-diffusion-vq --config <the training JSON it was trained with (its model or"
                    + " vqmodel block)>",
            "^(_encoder|_decoder|pre_quantizer|post_quantizer|_vq)\\.",
            keys -> any(keys, "_encoder.") && any(keys, "_vq."),
            (source, levels) -> PytorchDiffusionKeyMapping.wrap(source));

    private final String id;
    private final Model model;
    private final String defaultPreset;
    private final String description;
    private final String howToLoad;
    private final Pattern vocabulary;
    private final Predicate<List<String>> signature;
    private final Mapping mapping;

    CheckpointLayout(
            String id,
            Model model,
            String defaultPreset,
            String description,
            String howToLoad,
            String vocabulary,
            Predicate<List<String>> signature,
            Mapping mapping) {
        this.id = id;
        this.model = model;
        this.defaultPreset = defaultPreset;
        this.description = description;
        this.howToLoad = howToLoad;
        this.vocabulary = Pattern.compile(vocabulary);
        this.signature = signature;
        this.mapping = mapping;
    }

    /** The vae4j model a layout's weights load into. */
    public enum Model {
        /** {@code dev.vae4j.core.model.AutoencoderKL} (diffusers names). */
        AUTOENCODER_KL,
        /** vae-dwt's {@code LiteVae}. */
        LITE_VAE,
        /** vae-diffusion's {@code LatentUNet}. */
        LATENT_UNET,
        /** {@code dev.vae4j.core.model.PytorchDiffusionVQModel}. */
        PYTORCH_DIFFUSION_VQ
    }

    /** Renames an unwrapped source for a model with {@code levels} resolution levels. */
    @FunctionalInterface
    private interface Mapping {
        TensorSource apply(TensorSource unwrapped, int levels);
    }

    /** The name used on the command line ({@code --layout pytorch-diffusion-vae}). */
    public String id() {
        return id;
    }

    /** The vae4j model its weights load into. */
    public Model model() {
        return model;
    }

    /** The preset of the model's config that files of this layout usually need, if there is one. */
    public Optional<String> defaultPreset() {
        return Optional.ofNullable(defaultPreset);
    }

    /** What the layout is, for messages ("stanipov/pytorch-diffusion's VAE state dict"). */
    public String description() {
        return description;
    }

    /** The command (flags and config) that loads a file of this layout. */
    public String howToLoad() {
        return howToLoad;
    }

    /**
     * {@code source} (as saved, wrappers included) under vae4j's names: {@code AutoencoderKL}'s diffusers names for the
     * autoencoder layouts (with the codebook {@code quantize.embedding.weight} for {@link #PYTORCH_DIFFUSION_VQ}),
     * open-LiteVAE's own names (without the Lightning module's loss and EMA entries) for {@link #OPEN_LITEVAE},
     * upstream's own names for {@link #PYTORCH_DIFFUSION_UNET}.
     *
     * @param levels number of resolution levels of the target model (to reverse LDM's up-block order)
     */
    public TensorSource toVae4jNames(TensorSource source, int levels) {
        return mapping.apply(TrainingWrappers.unwrap(source), levels);
    }

    /** The layout named {@code id} ({@link #id()}, case-insensitive). */
    public static CheckpointLayout parse(String id) {
        for (CheckpointLayout layout : values()) {
            if (layout.id.equalsIgnoreCase(id.trim())) {
                return layout;
            }
        }
        throw new IllegalArgumentException("unknown checkpoint layout '" + id + "': expected one of " + ids());
    }

    /** Every layout's {@link #id()}, comma separated. */
    public static String ids() {
        return Arrays.stream(values()).map(CheckpointLayout::id).collect(Collectors.joining(", "));
    }

    /** The first layout whose signature {@code keys} (as saved) carry, if any. */
    public static Optional<CheckpointLayout> detect(List<String> keys) {
        List<String> unwrapped = TrainingWrappers.unwrap(keys);
        return Arrays.stream(values()).filter(l -> l.signature.test(unwrapped)).findFirst();
    }

    /** The detected layout, else the one with the most keys in its vocabulary; empty when no key fits any. */
    public static Optional<CheckpointLayout> mostResembled(List<String> keys) {
        Optional<CheckpointLayout> detected = detect(keys);
        if (detected.isPresent()) {
            return detected;
        }
        List<String> unwrapped = TrainingWrappers.unwrap(keys);
        Map<CheckpointLayout, Long> counts = new LinkedHashMap<>();
        for (CheckpointLayout layout : values()) {
            counts.put(
                    layout,
                    unwrapped.stream()
                            .filter(k -> layout.vocabulary.matcher(k).find())
                            .count());
        }
        return counts.entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .max(Comparator.comparingLong(Map.Entry<CheckpointLayout, Long>::getValue))
                .map(Map.Entry::getKey);
    }

    /**
     * One clause naming the layout {@code keys} most resemble and how to load it ("the keys look like ...: load with
     * ..."), or an empty string when they fit none.
     */
    public static String hint(List<String> keys) {
        return mostResembled(keys)
                .map(l -> "the keys look like " + l.description + " (" + l.id + "): load with " + l.howToLoad)
                .orElse("");
    }

    private static boolean any(List<String> keys, String prefix) {
        return keys.stream().anyMatch(k -> k.startsWith(prefix));
    }

    private static TensorSource dropping(TensorSource source, List<String> prefixes) {
        Map<String, String> kept = new LinkedHashMap<>();
        for (String key : source.names()) {
            if (prefixes.stream().noneMatch(key::startsWith)) {
                kept.put(key, key);
            }
        }
        return new RenamedTensors(source, kept);
    }

    @Override
    public String toString() {
        return id;
    }
}
