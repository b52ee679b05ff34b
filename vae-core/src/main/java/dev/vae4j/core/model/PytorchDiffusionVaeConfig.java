package dev.vae4j.core.model;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.model.ArchitectureOptions.AttentionKind;
import dev.vae4j.core.model.ArchitectureOptions.BlockLayout;
import dev.vae4j.core.model.ArchitectureOptions.DownsampleKind;
import dev.vae4j.core.model.ArchitectureOptions.OutputActivation;
import dev.vae4j.core.model.ArchitectureOptions.UpsampleKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * stanipov/pytorch-diffusion's training configs ({@code configs/vae_f8.json}) read into an {@link AutoencoderKLConfig},
 * the way {@code src/train/util.py: set_VAEModel} builds its {@code VAE}: the {@code model} block (else
 * {@code vaemodel}, {@code vae}, {@code vae_model}) with that function's keys and defaults ({@code img_channels} 3,
 * {@code enc_init_channels} 64, {@code ch_mult} 1,2,4,4, {@code grnorm_groups} 4, {@code resnet_stacks} 2,
 * {@code latent_dim} 4, {@code down_mode} max, {@code up_mode} nearest, no level attention, {@code eps} 1e-6,
 * {@code scaling_factor} 0.18215, 4 attention heads of 32 channels, no tanh); keys it does not read (the shipped JSON's
 * {@code img_ch}, {@code group_norm}) are ignored as it ignores them. The file may have trailing commas (the shipped
 * one does). Like the upstream encoder and decoder, a level has attention when its index or its channel count (the
 * encoder level's input, the decoder level's output) is listed in {@code down_attn}/{@code up_attn}. The result is the
 * post-activation layout with weight-standardised convs, linear attention in the mid blocks and quant convs; its sample
 * size is the {@code dataset} block's {@code image_size} when there is one.
 */
public final class PytorchDiffusionVaeConfig {
    private static final List<String> BLOCKS = List.of("model", "vaemodel", "vae", "vae_model");

    private PytorchDiffusionVaeConfig() {}

    /** Whether {@code file} is a pytorch-diffusion training config (a JSON object with a VAE model block). */
    public static boolean isTrainingConfig(Path file) {
        try {
            return modelBlock(file).isPresent();
        } catch (ConfigFormatException | FileAccessException e) {
            return false;
        }
    }

    /**
     * Reads {@code file}.
     *
     * @throws FileAccessException if it cannot be read
     * @throws ConfigFormatException naming the file and the key if it is not such a config or describes a model vae4j
     *     does not build (strided-conv or transposed-conv resampling, pooling kernels or upsampling scales other than
     *     2, an {@code embed_dim} other than {@code latent_dim})
     */
    public static AutoencoderKLConfig read(Path file) {
        ModelConfig block = modelBlock(file)
                .orElseThrow(() -> new ConfigFormatException(file + ": no pytorch-diffusion model block ("
                        + String.join(", ", BLOCKS) + ") holding enc_init_channels or ch_mult"));
        try {
            AutoencoderKLConfig config = fromModelBlock(block);
            Optional<ModelConfig> dataset = ModelConfig.readSection(file, "dataset");
            return dataset.isPresent() && dataset.get().has("image_size")
                    ? config.toBuilder()
                            .sampleSize(dataset.get().fields("dataset").integer("image_size"))
                            .build()
                    : config;
        } catch (ConfigFormatException | IllegalArgumentException e) {
            throw new ConfigFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /** The first model block of {@code file}, if its first present block holds VAE keys. */
    private static Optional<ModelConfig> modelBlock(Path file) {
        for (String name : BLOCKS) {
            Optional<ModelConfig> block = ModelConfig.readSection(file, name);
            if (block.isPresent()) {
                return block.filter(b -> b.has("enc_init_channels") || b.has("ch_mult"));
            }
        }
        return Optional.empty();
    }

    /** The config of the {@code VAE} that {@code set_VAEModel} builds from {@code block} (the model block itself). */
    public static AutoencoderKLConfig fromModelBlock(ModelConfig block) {
        ConfigFields f = block.fields("pytorch-diffusion model block");
        int init = f.integer("enc_init_channels", 64);
        List<Integer> mults = f.integers("ch_mult", List.of(1, 2, 4, 4));
        int latent = f.integer("latent_dim", 4);
        int embed = f.integer("embed_dim", latent);
        f.require(embed == latent, "embed_dim " + embed + " differs from latent_dim " + latent + ": not supported");
        f.require(f.integer("down_kern", 2) == 2, "down_kern must be 2, got " + f.integer("down_kern", 2));
        f.require(f.integer("up_scale", 2) == 2, "up_scale must be 2, got " + f.integer("up_scale", 2));
        int heads = f.integer("attn_heads", 0);
        int headDim = f.integer("attn_dim", 0);
        List<Integer> dims = new ArrayList<>();
        dims.add(init);
        mults.forEach(m -> dims.add(init * m));
        int levels = mults.size();
        List<Integer> downAttn = f.integers("down_attn", List.of());
        List<Integer> upAttn = f.integers("up_attn", List.of());
        List<AttentionKind> down = new ArrayList<>();
        List<AttentionKind> up = new ArrayList<>();
        for (int level = 0; level < levels; level++) {
            down.add(attention(downAttn, level, dims.get(level)));
            up.add(attention(upAttn, level, dims.get(levels - 1 - level)));
        }
        ArchitectureOptions.Builder options = ArchitectureOptions.builder()
                .blockLayout(BlockLayout.POST_ACTIVATION)
                .midBlockAttention(AttentionKind.LINEAR)
                .attentionHeadDim(headDim > 0 ? headDim : 32)
                .linearAttentionHeads(heads > 0 ? heads : 4)
                .downsample(downsample(f.text("down_mode", "max"), f))
                .weightStandardized(true)
                .normEps(f.number("eps", 1e-6));
        if (down.contains(AttentionKind.LINEAR)) {
            options.downBlockAttention(down);
        }
        if (up.contains(AttentionKind.LINEAR)) {
            options.upBlockAttention(up);
        }
        UpsampleKind upsample = upsample(f.text("up_mode", "nearest"), f);
        if (upsample != UpsampleKind.NEAREST) {
            options.upsample(upsample);
        }
        if (f.bool("dec_tanh_out", false)) {
            options.outputActivation(OutputActivation.TANH);
        }
        int channels = f.integer("img_channels", 3);
        return AutoencoderKLConfig.builder(dims.subList(1, dims.size()), latent)
                .imageChannels(channels, channels)
                .layersPerBlock(f.integer("resnet_stacks", 2))
                .normNumGroups(f.integer("grnorm_groups", 4))
                .scaling(f.number("scaling_factor", 0.18215), null)
                .quantConvs(true)
                .options(options.build())
                .build();
    }

    private static AttentionKind attention(List<Integer> listed, int level, int channels) {
        return listed.contains(level) || listed.contains(channels) ? AttentionKind.LINEAR : AttentionKind.NONE;
    }

    private static DownsampleKind downsample(String mode, ConfigFields f) {
        return switch (mode) {
            case "avg" -> DownsampleKind.AVG_POOL;
            case "max" -> DownsampleKind.MAX_POOL;
            default -> throw f.error("down_mode '" + mode + "' is not supported (avg or max)");
        };
    }

    private static UpsampleKind upsample(String mode, ConfigFields f) {
        return switch (mode) {
            case "nearest" -> UpsampleKind.NEAREST;
            case "bilinear" -> UpsampleKind.BILINEAR;
            case "bicubic" -> UpsampleKind.BICUBIC;
            default -> throw f.error("up_mode '" + mode + "' is not supported (nearest, bilinear or bicubic)");
        };
    }
}
