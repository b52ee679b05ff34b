package dev.vae4j.core.model;

import dev.vae4j.core.model.ArchitectureOptions.AttentionKind;
import dev.vae4j.core.model.ArchitectureOptions.BlockLayout;
import dev.vae4j.core.model.ArchitectureOptions.DownsampleKind;
import dev.vae4j.core.model.ArchitectureOptions.LatentSampling;
import dev.vae4j.core.model.ArchitectureOptions.OutputActivation;
import java.util.Collections;
import java.util.List;

/**
 * The presets of autoencoders of open-source trainers, rebuilt from their code.
 *
 * <p>{@code vqgan-training-f8c16}: {@code cloneofsimo/vqgan-training} v0.2 {@code ae.py} with its CLI defaults (ch 256,
 * ch_mult 1,2,4,4, 2 res blocks, z 16, 32 groups): diffusers' layout, multi-head mid attention (head dim 64), no logvar
 * channels, no quant convs, multiplicative constant-variance noise with std 0.1; the original has no latent scaling, so
 * the scaling factor is 1. Its checkpoints use LDM names; {@code mid.attn_1.{norm,qkv,proj_out}} are our
 * {@code mid_block.attentions.0.{norm,qkv,proj_out}}.
 *
 * <p>{@code linear-attention-f8c4}: {@code stanipov/pytorch-diffusion} {@code VAE} built from
 * {@code configs/vae_f8.json} the way {@code set_VAEModel} reads it (init channels 8, ch_mult 1,2,4,8, 4 groups, 2
 * resnet stacks, latent 4, avg pooling, nearest upsampling, linear attention with 1 head of 16 channels at every level
 * and in the mid blocks, eps 1e-7, tanh output, weight-standardised convs), in the post-activation layout; its f is 8.
 */
final class UpstreamPresets {
    private UpstreamPresets() {}

    static AutoencoderKLConfig vqganTrainingF8c16() {
        ArchitectureOptions options = ArchitectureOptions.builder()
                .midBlockAttention(AttentionKind.MULTI_HEAD)
                .latentSampling(LatentSampling.MULTIPLICATIVE)
                .latentNoiseStd(0.1)
                .build();
        return config(List.of(256, 512, 1024, 1024), 16, 32, 256, 1.0, false, options);
    }

    static AutoencoderKLConfig linearAttentionF8c4() {
        List<AttentionKind> everyLevel = Collections.nCopies(4, AttentionKind.LINEAR);
        ArchitectureOptions options = ArchitectureOptions.builder()
                .blockLayout(BlockLayout.POST_ACTIVATION)
                .downBlockAttention(everyLevel)
                .upBlockAttention(everyLevel)
                .midBlockAttention(AttentionKind.LINEAR)
                .attentionHeadDim(16)
                .linearAttentionHeads(1)
                .downsample(DownsampleKind.AVG_POOL)
                .weightStandardized(true)
                .outputActivation(OutputActivation.TANH)
                .normEps(1e-7)
                .build();
        return config(List.of(8, 16, 32, 64), 4, 4, 512, 0.18215, true, options);
    }

    private static AutoencoderKLConfig config(
            List<Integer> channels,
            int latent,
            int groups,
            int sampleSize,
            double scaling,
            boolean quantConvs,
            ArchitectureOptions options) {
        return AutoencoderKLConfig.builder(channels, latent)
                .layersPerBlock(2)
                .normNumGroups(groups)
                .sampleSize(sampleSize)
                .scaling(scaling, null)
                .quantConvs(quantConvs)
                .options(options)
                .build();
    }
}
