package dev.vae4j.cli;

import dev.vae4j.core.io.CheckpointLayout;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.torch.CheckpointFiles;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.model.CheckpointConverter;
import dev.vae4j.core.model.ConfigFormatException;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.core.model.PytorchDiffusionVQConfig;
import dev.vae4j.core.model.PytorchDiffusionVQModel;
import dev.vae4j.core.model.PytorchDiffusionVaeConfig;
import dev.vae4j.core.model.VQCheckpointConverter;
import dev.vae4j.core.model.VQModelConfig;
import dev.vae4j.core.model.tiny.AutoencoderTiny;
import dev.vae4j.core.model.tiny.TaesdCheckpoints;
import dev.vae4j.diffusion.unet.LatentUNet;
import dev.vae4j.diffusion.unet.LatentUNetConfig;
import dev.vae4j.dwt.model.LiteVae;
import dev.vae4j.dwt.model.LiteVaeConfig;
import dev.vae4j.losses.Lpips;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Module;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vae convert}: checkpoint layouts without changing a bit — a single file (safetensors or PyTorch
 * {@code .ckpt/.pth/.pt}, read without running pickle code) of any {@link CheckpointLayout}, detected from its keys or
 * given with {@code --layout} (LDM/CompVis, pytorch-diffusion's VAE, VQModel and Unet, vqgan-training, open-LiteVAE),
 * to the folder of the vae4j model it loads into (diffusers {@code AutoencoderKL}, LiteVAE, LatentUNet,
 * PytorchDiffusionVQModel), a diffusers folder to an LDM safetensors file, and any checkpoint to safetensors
 * (optionally only the keys under a prefix).
 */
@Command(
        name = "convert",
        mixinStandardHelpOptions = true,
        description = {
            "Convert VAE checkpoints: LDM single file <-> diffusers folder, any .ckpt/.pth -> safetensors.",
            "Single files of pytorch-diffusion (VAE, VQModel, Unet), vqgan-training and open-LiteVAE convert too: the layout "
                    + "is detected from the keys (--layout to force one).",
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

    /** The weights file of a LatentUNet folder written from a pytorch-diffusion {@code Unet} state dict. */
    private static final String UNET_WEIGHTS = "model.safetensors";

    /** The config file ({@code LatentUNetConfig}) of such a folder. */
    private static final String UNET_CONFIG = "config.json";

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
            description = "Architecture of a single-file checkpoint: a preset (sd, sdxl, sd3, flux, "
                    + "linear-attention-f8c4, vqgan-training-f8c16; vq-f4 or vq-f8 for an LDM VQ first stage; "
                    + "LiteVAE and LatentUNet presets for those layouts), a config.json (AutoencoderKL or VQModel), "
                    + "or pytorch-diffusion's training JSON (configs/vae_f8.json, configs/LDM.json, a VQModel's) "
                    + "(default: the layout's usual preset, sd for LDM files).")
    private String config;

    @Option(
            names = "--layout",
            paramLabel = "LAYOUT",
            description =
                    "Key layout of a single-file checkpoint: ldm, diffusers, pytorch-diffusion-vae, pytorch-diffusion-vq, "
                            + "vqgan-training, open-litevae or pytorch-diffusion-unet (default: detected from the keys).")
    private String layout;

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
            case DIFFUSERS -> convertSingleFile(out);
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

    /** A single-file checkpoint of any layout into the model folder of the vae4j model its layout loads into. */
    private void convertSingleFile(PrintWriter out) {
        CheckpointLayout chosen =
                layout == null ? CheckpointConverter.detectLayout(input) : CheckpointLayout.parse(layout);
        Optional<VQModelConfig> vq = config == null || chosen.model() != CheckpointLayout.Model.AUTOENCODER_KL
                ? Optional.empty()
                : VQCheckpointConverter.architecture(config);
        if (vq.isPresent()) {
            VQCheckpointConverter.ldmToDiffusers(input, vq.get(), output);
            out.println("wrote diffusers folder " + output + " (VQModel, from an LDM VQ first stage)");
            return;
        }
        String preset = config != null
                ? config
                : chosen.defaultPreset()
                        .orElseThrow(() -> new ParameterException(
                                spec.commandLine(),
                                "a " + chosen.description() + " needs --config PRESET|FILE: " + chosen.howToLoad()));
        Path file = Path.of(preset);
        boolean isFile = Files.isRegularFile(file);
        switch (chosen.model()) {
            case AUTOENCODER_KL -> CheckpointConverter.toDiffusers(input, chosen, autoencoderConfig(preset), output);
            case LITE_VAE -> {
                LiteVae model = new LiteVae(isFile ? LiteVaeConfig.read(file) : LiteVaeConfig.preset(preset));
                loadStrictly(model, chosen);
                model.save(output);
            }
            case LATENT_UNET -> {
                LatentUNetConfig unetConfig = isFile ? unetConfig(file) : LatentUNetConfig.preset(preset);
                LatentUNet model = new LatentUNet(unetConfig);
                loadStrictly(model, chosen);
                model.saveWeights(output.resolve(UNET_WEIGHTS));
                unetConfig.write(output.resolve(UNET_CONFIG));
            }
            case PYTORCH_DIFFUSION_VQ -> {
                PytorchDiffusionVQModel model = new PytorchDiffusionVQModel(vqConfig(file));
                loadStrictly(model, chosen);
                model.save(output);
            }
            default -> throw new IllegalStateException("no conversion for " + chosen.model());
        }
        out.println("wrote " + folderName(chosen.model()) + " folder " + output + " (from " + chosen.description()
                + ", layout " + chosen + ")");
    }

    /** A preset, a config.json, or a pytorch-diffusion training config ({@code configs/vae_f8.json}). */
    private static AutoencoderKLConfig autoencoderConfig(String presetOrFile) {
        Path file = Path.of(presetOrFile);
        if (!Files.isRegularFile(file)) {
            return AutoencoderKLConfig.preset(presetOrFile);
        }
        return PytorchDiffusionVaeConfig.isTrainingConfig(file)
                ? PytorchDiffusionVaeConfig.read(file)
                : AutoencoderKLConfig.read(file);
    }

    /** pytorch-diffusion's training JSON of a VQModel (its model block), or a vae4j folder's config.json of one. */
    private static PytorchDiffusionVQConfig vqConfig(Path file) {
        return PytorchDiffusionVQConfig.isTrainingConfig(file)
                ? PytorchDiffusionVQConfig.readTrainingConfig(file)
                : PytorchDiffusionVQConfig.read(file);
    }

    /** A LatentUNet config.json, or pytorch-diffusion's training JSON ({@code configs/LDM.json}, its unet_config). */
    private static LatentUNetConfig unetConfig(Path file) {
        Optional<ModelConfig> section = ModelConfig.readSection(file, "unet_config");
        if (section.isEmpty()) {
            return LatentUNetConfig.read(file);
        }
        try {
            return LatentUNetConfig.fromConfig(section.get());
        } catch (ConfigFormatException e) {
            throw new ConfigFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /** Loads {@code --input} into {@code model} strictly (a layout whose names do not depend on the level count). */
    private void loadStrictly(Module model, CheckpointLayout chosen) {
        try (CheckpointFiles.Opened opened = CheckpointFiles.open(input)) {
            StateDict.load(model, chosen.toVae4jNames(opened, 0), true, input.toString());
        }
        CliSupport.createFolder(output);
    }

    private static String folderName(CheckpointLayout.Model model) {
        return switch (model) {
            case AUTOENCODER_KL -> "diffusers";
            case LITE_VAE -> "LiteVAE";
            case LATENT_UNET -> "LatentUNet";
            case PYTORCH_DIFFUSION_VQ -> PytorchDiffusionVQConfig.CLASS_NAME;
        };
    }
}
