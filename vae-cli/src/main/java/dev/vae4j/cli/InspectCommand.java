package dev.vae4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.core.model.ModelFolder;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.discriminators.DiscriminatorPresets;
import dev.vae4j.discriminators.MacCounter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vae inspect --preset NAME | --model DIR | --discriminator NAME}: prints a model's diffusers config (JSON), its
 * latent geometry and the parameter counts of the encoder, decoder, quant convs and the whole model, with thousands
 * separators. A preset builds the model with random weights (the SD preset allocates about 335 MB); a model folder is
 * loaded leniently and the weight-loading report is printed too. A discriminator preset prints its parameters and
 * multiply-accumulates at 256x256; a latent denoiser preset ({@code dit-s2}, ..., {@code pytorch-diffusion-ldm}) its
 * config, latent geometry, parameters and multiply-accumulates ({@link DenoiserReport}).
 */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = "Print a model's config and parameter counts, or a discriminator's or latent denoiser's"
                + " parameters and MACs.")
public final class InspectCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    private CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Source source;

    /** Exactly one of {@code --preset} and {@code --model}. */
    static final class Source {
        @Option(
                names = "--preset",
                paramLabel = "NAME",
                required = true,
                description = "A built-in architecture: sd, sdxl, sd3, flux, vqgan-training-f8c16, "
                        + "linear-attention-f8c4, litevae-*, or an AutoencoderTiny latent space (taesd, taesdxl, "
                        + "taesd3, taef1, taef2, taesana), or a latent denoiser (dit-s2, dit-b2, dit-l2, dit-xl2, "
                        + "pytorch-diffusion-ldm: config, parameters and MACs at its latent size).")
        String preset;

        @Option(
                names = "--model",
                paramLabel = "DIR",
                required = true,
                description = "A model folder of any class its config.json names (AutoencoderKL, AutoencoderTiny,"
                        + " LiteVAE), or a pipeline folder with a vae/ subfolder.")
        Path model;

        @Option(
                names = "--discriminator",
                paramLabel = "NAME",
                required = true,
                description = "A discriminator preset (patchgan, vgg, unetgan-s, unetgan-m, unetgan-l, gigagan):"
                        + " parameters and multiply-accumulates at 256x256.")
        String discriminator;
    }

    /** Creates the command (picocli instantiates it). */
    public InspectCommand() {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (source.discriminator != null) {
            if (!DiscriminatorPresets.names().contains(source.discriminator)) {
                throw new ParameterException(
                        spec.commandLine(),
                        "unknown discriminator '" + source.discriminator + "', expected one of "
                                + DiscriminatorPresets.names());
            }
            try (TensorScope scope = new TensorScope()) {
                out.println(MacCounter.report(source.discriminator, 256, 256));
            }
            out.flush();
            return 0;
        }
        if (source.preset != null && DenoiserReport.isPreset(source.preset)) {
            DenoiserReport.preset(source.preset).print(out);
            out.flush();
            return 0;
        }
        try (TensorScope scope = new TensorScope()) {
            if (source.preset != null
                    && !AutoencoderKLConfig.presetNames().contains(source.preset.toLowerCase(Locale.ROOT))) {
                ModelConfig config;
                try {
                    config = Autoencoders.preset(source.preset);
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(
                            spec.commandLine(), e.getMessage() + "; latent denoisers: " + DenoiserReport.names());
                }
                TrainableAutoencoder model = Autoencoders.create(config);
                print(
                        out,
                        model,
                        config,
                        "preset " + source.preset.toLowerCase(Locale.ROOT),
                        "random initialisation",
                        scaling(model.latentNormalizer()));
            } else if (source.model != null && !isAutoencoderKl(source.model)) {
                TrainableAutoencoder model = Autoencoders.load(source.model);
                print(
                        out,
                        model,
                        readConfig(source.model),
                        "model " + source.model,
                        "all tensors loaded (strict)",
                        scaling(model.latentNormalizer()));
            } else {
                inspectAutoencoderKl(out);
            }
        }
        out.flush();
        return 0;
    }

    private void inspectAutoencoderKl(PrintWriter out) {
        AutoencoderKL model;
        String origin;
        String weights;
        if (source.preset != null) {
            model = new AutoencoderKL(AutoencoderKLConfig.preset(source.preset));
            origin = "preset " + source.preset.toLowerCase(Locale.ROOT);
            weights = "random initialisation";
        } else {
            AutoencoderKL.Loaded loaded = AutoencoderKL.loadPretrained(source.model, false);
            model = loaded.model();
            origin = "model " + source.model;
            weights = loaded.report().describe().replace("\n", "\n  ");
        }
        AutoencoderKLConfig config = model.config();
        String scaling = config.latentsMean() != null
                ? String.format(Locale.ROOT, "(z - latents_mean) * %s / latents_std", config.scalingFactor())
                : scaling(model.latentNormalizer());
        print(out, model, config.toConfig(), origin, weights, scaling);
    }

    private static String scaling(LatentNormalizer normalizer) {
        return String.format(Locale.ROOT, "(z - %s) * %s", normalizer.shift(), normalizer.scale());
    }

    /** The config.json of a model folder (or of its vae/ subfolder), for models of any class. */
    private static Path configFile(Path dir) {
        return ModelFolder.find(dir).orElse(dir).resolve(ModelFolder.CONFIG_FILE);
    }

    private static ModelConfig readConfig(Path dir) {
        return ModelConfig.read(configFile(dir));
    }

    /** Whether the folder's config names AutoencoderKL (or no class, which diffusers reads as AutoencoderKL). */
    private static boolean isAutoencoderKl(Path dir) {
        if (!Files.isRegularFile(configFile(dir))) {
            return true;
        }
        return readConfig(dir).className().equals(AutoencoderKLConfig.CLASS_NAME);
    }

    private static void print(
            PrintWriter out, Autoencoder model, ModelConfig config, String origin, String weights, String scaling) {
        out.println(origin);
        out.println(config.toJson());
        out.println();
        int f = model.downsamplingFactor();
        out.printf(
                Locale.ROOT,
                "latents: %d channels, downsampling factor %d (an HxW image gives %d x H/%d x W/%d)%n",
                model.latentChannels(),
                f,
                model.latentChannels(),
                f,
                f);
        out.println("scaling: " + scaling);
        out.println("weights: " + weights);
        out.println();
        Map<String, Long> counts = CliSupport.parameterCountsByChild(((TrainableAutoencoder) model).module());
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        int width = Math.max(CliSupport.grouped(total).length(), 11);
        out.println("parameters:");
        for (String part : new String[] {"encoder", "decoder"}) {
            Long n = counts.remove(part);
            out.printf(Locale.ROOT, "  %-16s %" + width + "s%n", part, n == null ? "absent" : CliSupport.grouped(n));
        }
        if (model instanceof AutoencoderKL) {
            for (String part : new String[] {"quant_conv", "post_quant_conv"}) {
                Long n = counts.remove(part);
                out.printf(
                        Locale.ROOT, "  %-16s %" + width + "s%n", part, n == null ? "absent" : CliSupport.grouped(n));
            }
        }
        for (Map.Entry<String, Long> other : counts.entrySet()) {
            out.printf(Locale.ROOT, "  %-16s %" + width + "s%n", other.getKey(), CliSupport.grouped(other.getValue()));
        }
        out.printf(Locale.ROOT, "  %-16s %" + width + "s%n", "total", CliSupport.grouped(total));
    }
}
