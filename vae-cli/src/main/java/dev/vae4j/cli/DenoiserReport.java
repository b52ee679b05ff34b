package dev.vae4j.cli;

import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.dit.DiTConfig;
import dev.vae4j.diffusion.unet.LatentUNet;
import dev.vae4j.diffusion.unet.LatentUNetConfig;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code vae inspect --preset} prints for a stage-2 denoiser preset ({@code dit-s2}, {@code dit-b2},
 * {@code dit-l2}, {@code dit-xl2}, {@code pytorch-diffusion-ldm}): the config JSON, the latent geometry the model
 * takes, its parameters by top-level child and its multiply-accumulates for one sample at the preset's latent size. DiT
 * parameters are counted from the config (DiT-XL/2's 3 GB are not allocated); the UNet preset (12 M parameters) is
 * built with random weights and its parameters counted.
 *
 * @param origin what the model is, one line
 * @param config the config JSON the model is built from (diffusers' config.json, or upstream's unet_config)
 * @param geometry the latents the model takes, one line
 * @param parameters parameter elements per top-level child, in the model's order
 * @param latentSize the latent side the MACs are counted at, in pixels
 * @param macs multiply-accumulates of one forward pass on one sample at {@code latentSize}
 */
record DenoiserReport(
        String origin, ModelConfig config, String geometry, Map<String, Long> parameters, int latentSize, long macs) {

    /** The preset names, as the command line spells them. */
    static List<String> names() {
        List<String> names = new ArrayList<>(DiTConfig.shortPresetNames());
        names.addAll(LatentUNetConfig.presetNames());
        return List.copyOf(names);
    }

    /** Whether {@code name} (any case; {@code DiT-S/2} works as well as {@code dit-s2}) is a denoiser preset. */
    static boolean isPreset(String name) {
        return names().contains(normalized(name));
    }

    private static String normalized(String name) {
        return name.toLowerCase(Locale.ROOT).replace("/", "");
    }

    /**
     * The report of preset {@code name}.
     *
     * @throws IllegalArgumentException if {@code name} is not one of {@link #names()}
     */
    static DenoiserReport preset(String name) {
        String key = normalized(name);
        if (LatentUNetConfig.presetNames().contains(key)) {
            return latentUNet(key);
        }
        int index = DiTConfig.shortPresetNames().indexOf(key);
        if (index < 0) {
            throw new IllegalArgumentException("unknown denoiser preset '" + name + "'; known: " + names());
        }
        return dit(key, DiTConfig.presetNames().get(index));
    }

    private static DenoiserReport dit(String key, String paperName) {
        DiTConfig config = DiTConfig.preset(key);
        int side = config.sampleSize();
        long tokens = (long) config.gridSize() * config.gridSize();
        String out = config.outputChannels() == 2 * config.inChannels()
                ? config.outputChannels() + " out (prediction and learned variance)"
                : config.outputChannels() + " out";
        return new DenoiserReport(
                "preset " + key + " (" + paperName + "): diffusers DiTTransformer2DModel, counted from its config",
                config.toConfig(),
                String.format(
                        Locale.ROOT,
                        "latents: %d channels in, %s; %dx%d (sample_size), patch size %d: %d tokens of width %d",
                        config.inChannels(),
                        out,
                        side,
                        side,
                        config.patchSize(),
                        tokens,
                        config.innerDim()),
                config.parameterCountsByChild(),
                side,
                config.macs(side));
    }

    private static DenoiserReport latentUNet(String key) {
        LatentUNetConfig config = LatentUNetConfig.preset(key);
        Map<String, Long> parameters;
        try (TensorScope scope = new TensorScope()) {
            parameters = CliSupport.parameterCountsByChild(new LatentUNet(config));
        }
        int side = config.imgSize();
        return new DenoiserReport(
                "preset " + key + ": stanipov/pytorch-diffusion's latent Unet as set_unet builds configs/LDM.json,"
                        + " random initialisation",
                config.toConfig(),
                String.format(
                        Locale.ROOT,
                        "latents: %d channels in, %d out; %dx%d (img_size), no patches (convolutional; sides a"
                                + " multiple of %d)",
                        config.inChannels(),
                        config.outChannels(),
                        side,
                        side,
                        config.sizeMultiple()),
                parameters,
                side,
                config.macs(side));
    }

    /** Prints the report: origin, config JSON, geometry, the parameter table and the MAC line. */
    void print(PrintWriter out) {
        out.println(origin);
        out.println(config.toJson());
        out.println();
        out.println(geometry);
        out.println();
        long total = parameters.values().stream().mapToLong(Long::longValue).sum();
        int nameWidth = Math.max(
                "total".length(),
                parameters.keySet().stream().mapToInt(String::length).max().orElse(0));
        int numberWidth = CliSupport.grouped(total).length();
        String row = "  %-" + nameWidth + "s %" + numberWidth + "s%n";
        out.println("parameters:");
        parameters.forEach((child, n) -> out.printf(Locale.ROOT, row, child, CliSupport.grouped(n)));
        out.printf(Locale.ROOT, row, "total", CliSupport.grouped(total));
        out.println();
        out.printf(
                Locale.ROOT,
                "MACs: %.2f GMACs at %dx%d latents (%s for one sample, one forward pass)%n",
                macs / 1e9,
                latentSize,
                latentSize,
                CliSupport.grouped(macs));
    }
}
