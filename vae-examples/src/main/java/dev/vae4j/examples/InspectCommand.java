package dev.vae4j.examples;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.discriminators.DiscriminatorPresets;
import dev.vae4j.discriminators.MacCounter;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.core.tensor.TensorScope;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.StringTensorDict;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vae inspect --preset NAME | --model DIR | --discriminator NAME}: prints a model's diffusers config (JSON), its
 * latent geometry
 * and the parameter counts of the encoder, decoder, quant convs and the whole model, with thousands separators.
 * A preset builds the model with random weights (the SD preset allocates about 335 MB); a model folder is loaded
 * leniently and the weight-loading report is printed too. A discriminator preset prints its parameters and
 * multiply-accumulates at 256x256.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Print a model's config and parameter counts, or a discriminator's parameters and MACs.")
public final class InspectCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Source source;

    /** Exactly one of {@code --preset} and {@code --model}. */
    static final class Source {
        @Option(names = "--preset", paramLabel = "NAME", required = true,
                description = "A built-in architecture: sd, sdxl, sd3 or flux.")
        String preset;

        @Option(names = "--model", paramLabel = "DIR", required = true,
                description = "A diffusers model folder (config.json + diffusion_pytorch_model.safetensors),"
                        + " or a pipeline folder with a vae/ subfolder.")
        Path model;

        @Option(names = "--discriminator", paramLabel = "NAME", required = true,
                description = "A discriminator preset (patchgan, vgg, unetgan-s, unetgan-m, unetgan-l, gigagan):"
                        + " parameters and multiply-accumulates at 256x256.")
        String discriminator;
    }

    /** Creates the command (picocli instantiates it). */
    public InspectCommand() {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (source.discriminator != null) {
            if (!DiscriminatorPresets.names().contains(source.discriminator)) {
                throw new ParameterException(spec.commandLine(), "unknown discriminator '" + source.discriminator
                        + "', expected one of " + DiscriminatorPresets.names());
            }
            try (TensorScope scope = new TensorScope()) {
                out.println(MacCounter.report(source.discriminator, 256, 256));
            }
            out.flush();
            return 0;
        }
        try (TensorScope scope = new TensorScope()) {
            AutoencoderKL model;
            String origin;
            String weights;
            if (source.preset != null) {
                AutoencoderKLConfig config;
                try {
                    config = AutoencoderKLConfig.preset(source.preset);
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), e.getMessage());
                }
                model = new AutoencoderKL(config);
                origin = "preset " + source.preset.toLowerCase(Locale.ROOT);
                weights = "random initialisation";
            } else {
                AutoencoderKL.Loaded loaded = AutoencoderKL.loadPretrained(source.model, false);
                model = loaded.model();
                origin = "model " + source.model;
                weights = loaded.report().describe().replace("\n", "\n  ");
            }
            print(out, model, origin, weights);
        }
        out.flush();
        return 0;
    }

    private static void print(PrintWriter out, AutoencoderKL model, String origin, String weights) {
        AutoencoderKLConfig config = model.config();
        out.println(origin);
        out.println(config.toJson().toPrettyString());
        out.println();
        LatentNormalizer normalizer = model.latentNormalizer();
        out.printf(Locale.ROOT, "latents: %d channels, downsampling factor %d (an HxW image gives %d x H/%d x W/%d)%n",
                config.latentChannels(), config.downsamplingFactor(), config.latentChannels(),
                config.downsamplingFactor(), config.downsamplingFactor());
        if (config.latentsMean() != null) {
            out.printf(Locale.ROOT, "scaling: (z - latents_mean) * %s / latents_std%n", config.scalingFactor());
        } else {
            out.printf(Locale.ROOT, "scaling: (z - %s) * %s%n", normalizer.shift(), normalizer.scale());
        }
        out.println("weights: " + weights);
        out.println();
        Map<String, Long> counts = countByChild(model);
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        int width = Math.max(CliSupport.grouped(total).length(), 11);
        out.println("parameters:");
        for (String part : new String[] {"encoder", "decoder", "quant_conv", "post_quant_conv"}) {
            Long n = counts.remove(part);
            out.printf(Locale.ROOT, "  %-16s %" + width + "s%n", part, n == null ? "absent" : CliSupport.grouped(n));
        }
        for (Map.Entry<String, Long> other : counts.entrySet()) {
            out.printf(Locale.ROOT, "  %-16s %" + width + "s%n", other.getKey(), CliSupport.grouped(other.getValue()));
        }
        out.printf(Locale.ROOT, "  %-16s %" + width + "s%n", "total", CliSupport.grouped(total));
    }

    /** Parameter elements per top-level child ({@code encoder}, {@code decoder}, {@code quant_conv}, ...). */
    private static Map<String, Long> countByChild(AutoencoderKL model) {
        Map<String, Long> counts = new LinkedHashMap<>();
        StringTensorDict params = model.named_parameters(true);
        for (long i = 0; i < params.size(); i++) {
            String name = params.get(i).key().getString();
            int dot = name.indexOf('.');
            String child = dot < 0 ? name : name.substring(0, dot);
            counts.merge(child, params.get(i).value().numel(), Long::sum);
        }
        return counts;
    }
}
