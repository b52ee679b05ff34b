package dev.vae4j.cli;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.model.CheckpointConverter;
import dev.vae4j.core.model.VQCheckpointConverter;
import dev.vae4j.core.model.VQModelConfig;
import dev.vae4j.core.model.tiny.AutoencoderTiny;
import dev.vae4j.core.model.tiny.TaesdCheckpoints;
import dev.vae4j.losses.Lpips;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vae convert}: checkpoint layouts without changing a bit — an LDM/CompVis single file (safetensors or PyTorch
 * {@code .ckpt/.pth}, read without running pickle code) to a diffusers folder, a diffusers folder to an LDM safetensors
 * file, and any checkpoint to safetensors (optionally only the keys under a prefix).
 */
@Command(
        name = "convert",
        mixinStandardHelpOptions = true,
        description = {
            "Convert VAE checkpoints: LDM single file <-> diffusers folder, any .ckpt/.pth -> safetensors.",
            "VGG16 + lpips heads -> the LPIPS safetensors file (--to lpips --heads vgg.pth).",
            "taesd.py's encoder/decoder .pth -> an AutoencoderTiny folder (--to autoencoder-tiny --encoder E "
                    + "--decoder D).",
            "PyTorch pickles are read with an allow-list: no code in them ever runs."
        })
public final class ConvertCommand implements Callable<Integer> {
    /** Target layouts. */
    enum Target {
        DIFFUSERS,
        LDM,
        SAFETENSORS,
        LPIPS,
        AUTOENCODER_TINY
    }

    @Spec
    private CommandSpec spec;

    @Option(
            names = "--input",
            paramLabel = "IN",
            description = "LDM file, diffusers folder, or any .ckpt/.pth/.pt/.bin/.safetensors file (all targets "
                    + "but autoencoder-tiny).")
    private Path input;

    @Option(names = "--output", required = true, paramLabel = "OUT", description = "Output folder or file.")
    private Path output;

    @Option(
            names = "--to",
            paramLabel = "LAYOUT",
            description = "diffusers, ldm, safetensors, lpips or autoencoder-tiny (default: ldm for a folder input, "
                    + "else diffusers).")
    private String to;

    @Option(
            names = "--config",
            paramLabel = "PRESET|FILE",
            defaultValue = "sd",
            description = "Architecture of an LDM file: a preset (sd, sdxl, sd3, flux; vq-f4 for an LDM VQ first "
                    + "stage) or a config.json, AutoencoderKL or VQModel (default: ${DEFAULT-VALUE}).")
    private String config;

    @Option(
            names = "--ldm-prefix",
            paramLabel = "P",
            defaultValue = "",
            description = "Prefix of the LDM keys written by --to ldm (e.g. first_stage_model.).")
    private String ldmPrefix;

    @Option(
            names = "--only-prefix",
            paramLabel = "P",
            description = "With --to safetensors: keep only keys under this prefix.")
    private String onlyPrefix;

    @Option(names = "--strip-prefix", description = "With --only-prefix: remove the prefix from the kept keys.")
    private boolean stripPrefix;

    @Option(
            names = "--heads",
            paramLabel = "FILE",
            description = "With --to lpips: lpips' vgg.pth (the input is torchvision's VGG16 .pth).")
    private Path heads;

    @Option(
            names = "--encoder",
            paramLabel = "FILE",
            description = "With --to autoencoder-tiny: taesd.py's encoder .pth (e.g. taef2_encoder.pth).")
    private Path tinyEncoder;

    @Option(
            names = "--decoder",
            paramLabel = "FILE",
            description = "With --to autoencoder-tiny: taesd.py's decoder .pth (one of --encoder/--decoder alone "
                    + "makes an encoder-only or decoder-only model).")
    private Path tinyDecoder;

    @Mixin
    private OverwriteOption overwrite;

    @Override
    public Integer call() {
        Target target = target();
        if (target == Target.AUTOENCODER_TINY) {
            return convertTiny(spec.commandLine().getOut());
        }
        if (input == null) {
            throw new ParameterException(spec.commandLine(), "--to " + to + " needs --input IN");
        }
        if (!Files.exists(input)) {
            throw new IllegalArgumentException("input " + input + " does not exist");
        }
        if (target == Target.LPIPS && heads == null) {
            throw new ParameterException(spec.commandLine(), "--to lpips needs --heads FILE (lpips' vgg.pth)");
        }
        if (CliSupport.sameFile(input, output)) {
            throw new IllegalArgumentException("--output " + output + " is the input; refusing to overwrite it");
        }
        if (target == Target.DIFFUSERS) {
            overwrite.refuseExisting(output, List.of(AutoencoderKL.CONFIG_FILE, AutoencoderKL.WEIGHTS_FILE));
        } else {
            overwrite.refuseExisting(output);
        }
        PrintWriter out = spec.commandLine().getOut();
        switch (target) {
            case DIFFUSERS -> {
                Optional<VQModelConfig> vq = VQCheckpointConverter.architecture(config);
                if (vq.isPresent()) {
                    VQCheckpointConverter.ldmToDiffusers(input, vq.get(), output);
                } else {
                    CheckpointConverter.ldmToDiffusers(input, architecture(), output);
                }
                out.println("wrote diffusers folder " + output);
            }
            case LDM -> {
                if (VQCheckpointConverter.isVQModelFolder(input)) {
                    VQCheckpointConverter.diffusersToLdm(input, output, ldmPrefix);
                } else {
                    CheckpointConverter.diffusersToLdm(input, output, ldmPrefix);
                }
                out.println("wrote LDM checkpoint " + output);
            }
            case SAFETENSORS -> {
                int count = CheckpointConverter.toSafetensors(input, output, onlyPrefix, stripPrefix);
                out.println("wrote " + count + " tensors to " + output);
            }
            case LPIPS -> {
                int count = CheckpointConverter.lpips(input, heads, output);
                Lpips.fromSafetensors(output);
                out.println("wrote LPIPS weights (" + count + " tensors, checked) to " + output);
            }
            default -> throw new IllegalStateException();
        }
        return 0;
    }

    private int convertTiny(PrintWriter out) {
        if (tinyEncoder == null && tinyDecoder == null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--to autoencoder-tiny needs --encoder FILE, " + "--decoder FILE or both (taesd.py's .pth files)");
        }
        AutoencoderTiny model = TaesdCheckpoints.convert(tinyEncoder, tinyDecoder, output);
        out.printf(
                Locale.ROOT,
                "wrote AutoencoderTiny folder %s (%s, %d latent channels, f%d%s%s)%n",
                output,
                model.hasEncoder() && model.hasDecoder()
                        ? "encoder and decoder"
                        : model.hasEncoder() ? "encoder only" : "decoder only",
                model.latentChannels(),
                model.downsamplingFactor(),
                model.config().useMidblockGn() ? ", GroupNorm pooling" : "",
                model.config().encoderStem().downsampling() > 1 && model.hasEncoder() ? ", strided stem" : "");
        return 0;
    }

    private Target target() {
        if (to == null) {
            if (input == null) {
                throw new ParameterException(
                        spec.commandLine(), "give --input IN (or --to autoencoder-tiny with " + "--encoder/--decoder)");
            }
            return Files.isDirectory(input) ? Target.LDM : Target.DIFFUSERS;
        }
        try {
            return Target.valueOf(to.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--to must be diffusers, ldm, safetensors, lpips or " + "autoencoder-tiny, got '" + to + "'");
        }
    }

    private AutoencoderKLConfig architecture() {
        Path file = Path.of(config);
        return Files.isRegularFile(file) ? AutoencoderKLConfig.read(file) : AutoencoderKLConfig.preset(config);
    }
}
