package dev.vae4j.core.model;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.AtomicFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The configuration of stanipov/pytorch-diffusion's VQ-VAE ({@code src/models/vq_vae.py} {@code VQModel}): the
 * {@code Encoder2}/{@code Decoder2} pair of its KL {@code VAE} ({@link #backbone()}, the post-activation layout that
 * {@link PytorchDiffusionVaeConfig} builds, with one encoder output channel per latent), weight-standardised 1x1
 * {@code pre_quantizer} (latent -> D) and {@code post_quantizer} (D -> latent) convs, and its {@code VectorQuantizer}
 * (taming's {@code VectorQuantizer2} with the legacy placement of the commitment cost) of K codes of dimension D.
 *
 * <p>Read from a training config's {@code model} (else {@code vqmodel}) block as {@code src/train/util.py: set_VQModel}
 * reads it, with its defaults: {@code num_vq_embeddings} 256, {@code vq_embed_dim} the {@code latent_dim},
 * {@code commitment_cost} 0.25, the other keys as for the VAE; plus {@code encode_tanh_out} (default false), which
 * {@code train_VQ_DiscLPIPS.py} reads. {@code legacy_mid} true (a mid block of plain conv units without attention) is
 * refused. Written to a vae4j model folder's {@code config.json} as the backbone's {@link AutoencoderKLConfig} keys
 * plus {@code num_vq_embeddings}, {@code vq_embed_dim}, {@code commitment_cost} and {@code encode_tanh_out} under
 * {@code _class_name} {@value #CLASS_NAME}.
 *
 * @param backbone the encoder and decoder (post-activation layout, weight-standardised convs, single-moment encoder)
 * @param numVqEmbeddings codebook size K, >= 1
 * @param vqEmbedDim code dimension D, >= 1
 * @param commitmentCost the quantizer's {@code beta} (weight of the codebook term in its legacy loss), >= 0
 * @param encodeTanhOut whether encoding ends with tanh (upstream {@code encode(x, tanh=True)}, which
 *     {@code train_VQ_DiscLPIPS.py} passes from the model block's {@code encode_tanh_out})
 */
public record PytorchDiffusionVQConfig(
        AutoencoderKLConfig backbone,
        int numVqEmbeddings,
        int vqEmbedDim,
        double commitmentCost,
        boolean encodeTanhOut) {

    /** The {@code _class_name} of vae4j's model folders of this model. */
    public static final String CLASS_NAME = "PytorchDiffusionVQModel";

    private static final String WHAT = "pytorch-diffusion VQModel config";
    private static final List<String> BLOCKS = List.of("model", "vqmodel");
    private static final List<String> OWN_KEYS =
            List.of("num_vq_embeddings", "vq_embed_dim", "commitment_cost", "encode_tanh_out");

    /**
     * Validates the codebook and puts the backbone in the single-moment (deterministic) encoder form.
     *
     * @throws IllegalArgumentException naming the value and its limit
     */
    public PytorchDiffusionVQConfig {
        if (numVqEmbeddings < 1) {
            throw new IllegalArgumentException(WHAT + ": num_vq_embeddings must be >= 1, got " + numVqEmbeddings);
        }
        if (vqEmbedDim < 1) {
            throw new IllegalArgumentException(WHAT + ": vq_embed_dim must be >= 1, got " + vqEmbedDim);
        }
        if (!(commitmentCost >= 0) || Double.isInfinite(commitmentCost)) {
            throw new IllegalArgumentException(
                    WHAT + ": commitment_cost must be finite and >= 0, got " + commitmentCost);
        }
        backbone = backbone.toBuilder()
                .quantConvs(false)
                .options(backbone.options().toBuilder()
                        .latentSampling(ArchitectureOptions.LatentSampling.ADDITIVE)
                        .latentNoiseStd(0.0)
                        .build())
                .build();
    }

    /** Latent channels of the encoder output and decoder input ({@code latent_dim}). */
    public int latentChannels() {
        return backbone.latentChannels();
    }

    /** Spatial factor f between images and latents. */
    public int downsamplingFactor() {
        return 1 << (backbone.levels() - 1);
    }

    /** Whether {@code file} is a pytorch-diffusion training config with a VQ model block (one holding VQ keys). */
    public static boolean isTrainingConfig(Path file) {
        try {
            return modelBlock(file)
                    .filter(b -> OWN_KEYS.stream().anyMatch(b::has))
                    .isPresent();
        } catch (ConfigFormatException | FileAccessException e) {
            return false;
        }
    }

    /**
     * Reads a pytorch-diffusion training config ({@code model} or {@code vqmodel} block).
     *
     * @throws FileAccessException if it cannot be read
     * @throws ConfigFormatException naming the file and key if it has no such block or describes a model vae4j does not
     *     build
     */
    public static PytorchDiffusionVQConfig readTrainingConfig(Path file) {
        ModelConfig block = modelBlock(file)
                .orElseThrow(() -> new ConfigFormatException(file + ": no pytorch-diffusion model block ("
                        + String.join(", ", BLOCKS) + ") holding enc_init_channels or ch_mult"));
        try {
            return fromModelBlock(block);
        } catch (ConfigFormatException | IllegalArgumentException e) {
            throw new ConfigFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /** The config of the {@code VQModel} that {@code set_VQModel} builds from {@code block} (the model block). */
    public static PytorchDiffusionVQConfig fromModelBlock(ModelConfig block) {
        ConfigFields f = block.fields("pytorch-diffusion VQ model block");
        f.require(!f.bool("legacy_mid", false), "legacy_mid true (a mid block without attention) is not supported");
        int latent = f.integer("latent_dim", 4);
        Double dim = f.optionalNumber("vq_embed_dim");
        f.require(dim == null || dim == Math.rint(dim), "vq_embed_dim must be an integer, got " + dim);
        AutoencoderKLConfig backbone = PytorchDiffusionVaeConfig.fromModelBlock(block);
        return ConfigFields.construct(() -> new PytorchDiffusionVQConfig(
                backbone,
                f.integer("num_vq_embeddings", 256),
                dim == null ? latent : dim.intValue(),
                f.number("commitment_cost", 0.25),
                f.bool("encode_tanh_out", false)));
    }

    /**
     * Reads a vae4j model folder's {@code config.json} ({@link #toConfig()}).
     *
     * @throws FileAccessException if it cannot be read
     * @throws ConfigFormatException naming the file and key for a bad or unknown key
     */
    public static PytorchDiffusionVQConfig read(Path file) {
        return ConfigFields.read(file, PytorchDiffusionVQConfig::fromConfig);
    }

    /**
     * Reads a config object as {@link #toConfig()} writes it.
     *
     * @throws ConfigFormatException naming the key for a bad or unknown key
     */
    public static PytorchDiffusionVQConfig fromConfig(ModelConfig config) {
        ConfigFields f = config.fields(WHAT);
        f.require(
                CLASS_NAME.equals(config.className()),
                "_class_name is '" + config.className() + "', expected " + CLASS_NAME);
        ModelConfig backbone = config.with("_class_name", AutoencoderKLConfig.CLASS_NAME);
        for (String key : OWN_KEYS) {
            backbone = backbone.without(key);
        }
        AutoencoderKLConfig parsed = AutoencoderKLConfig.fromConfig(backbone);
        return ConfigFields.construct(() -> new PytorchDiffusionVQConfig(
                parsed,
                f.integer("num_vq_embeddings"),
                f.integer("vq_embed_dim"),
                f.number("commitment_cost", 0.25),
                f.bool("encode_tanh_out", false)));
    }

    /** This config as a vae4j model folder's {@code config.json} holds it. */
    public ModelConfig toConfig() {
        return backbone.toConfig()
                .with("_class_name", CLASS_NAME)
                .with("num_vq_embeddings", numVqEmbeddings)
                .with("vq_embed_dim", vqEmbedDim)
                .with("commitment_cost", commitmentCost)
                .with("encode_tanh_out", encodeTanhOut);
    }

    /** Writes {@link #toConfig()} to {@code file} atomically. */
    public void write(Path file) {
        AtomicFiles.writeString(file, toConfig().toJson() + "\n");
    }

    private static Optional<ModelConfig> modelBlock(Path file) {
        for (String name : BLOCKS) {
            Optional<ModelConfig> block = ModelConfig.readSection(file, name);
            if (block.isPresent()) {
                return block.filter(b -> b.has("enc_init_channels") || b.has("ch_mult"));
            }
        }
        return Optional.empty();
    }
}
