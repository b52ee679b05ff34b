package dev.vae4j.examples;

import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.model.CheckpointConverter;
import dev.vae4j.losses.Lpips;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vae convert}: checkpoint layouts without changing a bit — an LDM/CompVis single file (safetensors or
 * PyTorch {@code .ckpt/.pth}, read without running pickle code) to a diffusers folder, a diffusers folder to an LDM
 * safetensors file, and any checkpoint to safetensors (optionally only the keys under a prefix).
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert VAE checkpoints: LDM single file <-> diffusers folder, any .ckpt/.pth -> safetensors.",
                "VGG16 + lpips heads -> the LPIPS safetensors file (--to lpips --heads vgg.pth).",
                "PyTorch pickles are read with an allow-list: no code in them ever runs."})
public final class ConvertCommand implements Callable<Integer> {
    /** Target layouts. */
    enum Target { DIFFUSERS, LDM, SAFETENSORS, LPIPS }

    @Spec
    private CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "IN",
            description = "LDM file, diffusers folder, or any .ckpt/.pth/.pt/.bin/.safetensors file.")
    private Path input;

    @Option(names = "--output", required = true, paramLabel = "OUT", description = "Output folder or file.")
    private Path output;

    @Option(names = "--to", paramLabel = "LAYOUT",
            description = "diffusers, ldm, safetensors or lpips (default: ldm for a folder input, else diffusers).")
    private String to;

    @Option(names = "--config", paramLabel = "PRESET|FILE", defaultValue = "sd",
            description = "Architecture of an LDM file: a preset (sd, sdxl, sd3, flux) or a config.json "
                    + "(default: ${DEFAULT-VALUE}).")
    private String config;

    @Option(names = "--ldm-prefix", paramLabel = "P", defaultValue = "",
            description = "Prefix of the LDM keys written by --to ldm (e.g. first_stage_model.).")
    private String ldmPrefix;

    @Option(names = "--only-prefix", paramLabel = "P",
            description = "With --to safetensors: keep only keys under this prefix.")
    private String onlyPrefix;

    @Option(names = "--strip-prefix", description = "With --only-prefix: remove the prefix from the kept keys.")
    private boolean stripPrefix;

    @Option(names = "--heads", paramLabel = "FILE",
            description = "With --to lpips: lpips' vgg.pth (the input is torchvision's VGG16 .pth).")
    private Path heads;

    @Override
    public Integer call() {
        if (!Files.exists(input)) {
            throw new IllegalArgumentException("input " + input + " does not exist");
        }
        PrintWriter out = spec.commandLine().getOut();
        switch (target()) {
            case DIFFUSERS -> {
                CheckpointConverter.ldmToDiffusers(input, architecture(), output);
                out.println("wrote diffusers folder " + output);
            }
            case LDM -> {
                CheckpointConverter.diffusersToLdm(input, output, ldmPrefix);
                out.println("wrote LDM checkpoint " + output);
            }
            case SAFETENSORS -> {
                int count = CheckpointConverter.toSafetensors(input, output, onlyPrefix, stripPrefix);
                out.println("wrote " + count + " tensors to " + output);
            }
            case LPIPS -> {
                if (heads == null) {
                    throw new ParameterException(spec.commandLine(), "--to lpips needs --heads FILE (lpips' vgg.pth)");
                }
                int count = CheckpointConverter.lpips(input, heads, output);
                Lpips.fromSafetensors(output);
                out.println("wrote LPIPS weights (" + count + " tensors, checked) to " + output);
            }
            default -> throw new IllegalStateException();
        }
        return 0;
    }

    private Target target() {
        if (to == null) {
            return Files.isDirectory(input) ? Target.LDM : Target.DIFFUSERS;
        }
        try {
            return Target.valueOf(to.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--to must be diffusers, ldm, safetensors or lpips, got '" + to
                    + "'");
        }
    }

    private AutoencoderKLConfig architecture() {
        Path file = Path.of(config);
        return Files.isRegularFile(file) ? AutoencoderKLConfig.read(file) : AutoencoderKLConfig.preset(config);
    }
}
