package dev.vae4j.core.model;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.CheckpointLayout;
import dev.vae4j.core.io.DiffusersKeyMapping;
import dev.vae4j.core.io.LdmKeyMapping;
import dev.vae4j.core.io.LoadReport;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.io.WeightLoadingException;
import dev.vae4j.core.io.torch.CheckpointFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;

/**
 * Converts VAE checkpoints between layouts without changing a single bit (dtypes are kept; only names and the
 * attention-weight shapes [C,C] &lt;-&gt; [C,C,1,1] change): a single file (safetensors or PyTorch pickle) of any
 * {@code AutoencoderKL} {@link CheckpointLayout} (LDM/CompVis, pytorch-diffusion, vqgan-training) to a diffusers
 * folder, a diffusers folder to an LDM safetensors file, and any checkpoint to safetensors (optionally only the keys
 * under a prefix). Conversions to or from diffusers names are checked strictly against the {@link AutoencoderKL} built
 * from the config: any missing, unexpected or mis-shaped key throws {@link WeightLoadingException} before anything is
 * written.
 */
public final class CheckpointConverter {
    private static final Pattern TRAINING_STATE =
            Pattern.compile("^([md]_(opt|scaler|sch)|optimizer\\w*|scaler|\\w*scheduler)\\.");
    private static final String TRAINING_STATE_HINT = "; they are optimizer/scaler/scheduler states only (a training"
            + " script's resume checkpoint): convert the model's state dict file saved beside it instead";

    private CheckpointConverter() {}

    /**
     * LDM single file (any prefix, {@code loss.*} / {@code model_ema.*} ignored) -> diffusers folder
     * ({@code config.json} + {@code diffusion_pytorch_model.safetensors}).
     */
    public static void ldmToDiffusers(Path ldmFile, AutoencoderKLConfig config, Path outDir) {
        toDiffusers(ldmFile, CheckpointLayout.LDM, config, outDir);
    }

    /**
     * The layout of checkpoint {@code file}, detected from its key names ({@link CheckpointLayout#detect}).
     *
     * @throws IllegalArgumentException naming the first keys when no known layout fits (and saying so when the file
     *     holds training states only)
     */
    public static CheckpointLayout detectLayout(Path file) {
        try (CheckpointFiles.Opened opened = CheckpointFiles.open(file)) {
            List<String> names = opened.names();
            return CheckpointLayout.detect(names)
                    .orElseThrow(() -> new IllegalArgumentException(file + ": the " + names.size()
                            + " keys fit no known checkpoint layout (" + CheckpointLayout.ids() + "); first keys: "
                            + String.join(", ", names.subList(0, Math.min(LoadReport.SUMMARY_KEYS, names.size())))
                            + (trainingStateOnly(names) ? TRAINING_STATE_HINT : "")));
        }
    }

    /**
     * Whether every key is an optimizer, gradient-scaler or scheduler state: the resume checkpoints of training scripts
     * (pytorch-diffusion's {@code chkpt_snapshot.pt}: {@code m_opt}, {@code d_opt}, {@code m_scaler}, {@code m_sch};
     * its train_LDM.py's {@code optimizer}, {@code scaler}, {@code scheduler}), which hold no model weights.
     */
    private static boolean trainingStateOnly(List<String> names) {
        return !names.isEmpty()
                && names.stream().allMatch(n -> TRAINING_STATE.matcher(n).find());
    }

    /**
     * Single file of an {@code AutoencoderKL} layout (LDM, diffusers, pytorch-diffusion's {@code VAE}, vqgan-training's
     * {@code ae.py}; training wrappers and LDM's {@code loss.*} / {@code model_ema.*} ignored) -> diffusers folder
     * ({@code config.json} + {@code diffusion_pytorch_model.safetensors}), checked strictly against the model of
     * {@code config} before anything is written.
     *
     * @throws IllegalArgumentException if {@code layout} is not an {@code AutoencoderKL} layout
     * @throws WeightLoadingException if the renamed keys do not fit the model (one line: counts, first keys, the layout
     *     the file resembles)
     */
    public static void toDiffusers(Path file, CheckpointLayout layout, AutoencoderKLConfig config, Path outDir) {
        if (layout.model() != CheckpointLayout.Model.AUTOENCODER_KL) {
            throw new IllegalArgumentException("layout " + layout + " (" + layout.description()
                    + ") is not an AutoencoderKL layout: " + layout.howToLoad());
        }
        try (CheckpointFiles.Opened opened = CheckpointFiles.open(file)) {
            TensorSource renamed = layout.toVae4jNames(opened, config.levels());
            Map<String, Tensor> tensors = checkedTensors(renamed, config, file.toString(), opened.names());
            createDirectories(outDir);
            SafetensorsWriter.write(outDir.resolve(AutoencoderKL.WEIGHTS_FILE), tensors, Map.of("format", "pt"));
            config.write(outDir.resolve(AutoencoderKL.CONFIG_FILE));
        }
    }

    /**
     * Diffusers folder (or pipeline folder with {@code vae/}) -> LDM safetensors file, every key under {@code prefix}
     * ({@code ""} for a standalone VAE file, {@code "first_stage_model."} for SD's layout).
     */
    public static void diffusersToLdm(Path diffusersDir, Path ldmFile, String prefix) {
        Path folder = ModelFolder.resolve(diffusersDir);
        AutoencoderKLConfig config = AutoencoderKLConfig.read(folder.resolve(AutoencoderKL.CONFIG_FILE));
        Path weights = folder.resolve(AutoencoderKL.WEIGHTS_FILE);
        try (CheckpointFiles.Opened opened = CheckpointFiles.open(weights)) {
            TensorSource diffusers = DiffusersKeyMapping.wrap(opened, config.levels());
            checkedTensors(diffusers, config, weights.toString(), opened.names());
            TensorSource ldm = LdmKeyMapping.wrap(diffusers, config.levels(), prefix);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String name : ldm.names()) {
                out.put(name, ldm.load(name));
            }
            SafetensorsWriter.write(ldmFile, out, Map.of("format", "pt"));
        }
    }

    /**
     * Any checkpoint ({@code .ckpt/.pth/.pt/.bin/.safetensors}) -> safetensors with the same names, dtypes and values
     * (views are written contiguous, shared storages as separate copies).
     *
     * @param onlyPrefix keep only keys starting with this prefix ({@code null} or empty: all)
     * @param strip remove {@code onlyPrefix} from the written names
     * @return the number of tensors written
     * @throws IllegalArgumentException if no key matches {@code onlyPrefix}
     */
    public static int toSafetensors(Path input, Path output, String onlyPrefix, boolean strip) {
        String prefix = onlyPrefix == null ? "" : onlyPrefix;
        try (CheckpointFiles.Opened opened = CheckpointFiles.open(input)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String name : opened.names()) {
                if (name.startsWith(prefix)) {
                    out.put(strip ? name.substring(prefix.length()) : name, opened.load(name));
                }
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException(input + ": no tensor name starts with '" + prefix + "' ("
                        + opened.names().size() + " tensors)");
            }
            SafetensorsWriter.write(output, out, Map.of("format", "pt"));
            return out.size();
        }
    }

    /**
     * The LPIPS weight file vae-losses loads: torchvision VGG16's {@code features.*} tensors (from e.g.
     * {@code vgg16-397923af.pth}) plus lpips' heads {@code lin{k}.model.1.weight} (from its
     * {@code weights/v0.1/vgg.pth}).
     *
     * @return the number of tensors written (26 trunk + 5 heads for the real networks)
     * @throws IllegalArgumentException if either file lacks its part
     */
    public static int lpips(Path vgg16, Path heads, Path output) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (CheckpointFiles.Opened trunk = CheckpointFiles.open(vgg16);
                CheckpointFiles.Opened lin = CheckpointFiles.open(heads)) {
            for (String name : trunk.names()) {
                if (name.startsWith("features.")) {
                    out.put(name, trunk.load(name));
                }
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException(vgg16 + " holds no torchvision VGG16 'features.*' tensors");
            }
            int trunkCount = out.size();
            for (String name : lin.names()) {
                if (name.matches("lin[0-4]\\.model\\.1\\.weight")) {
                    out.put(name, lin.load(name));
                }
            }
            if (out.size() - trunkCount != 5) {
                throw new IllegalArgumentException(heads + " holds " + (out.size() - trunkCount)
                        + " of the 5 LPIPS heads lin{0..4}.model.1.weight");
            }
            SafetensorsWriter.write(output, out, Map.of("format", "pt"));
            return out.size();
        }
    }

    /**
     * All tensors of {@code source}, after checking names and shapes against the model of {@code config};
     * {@code savedNames} (the file's own key names) name the layout the file resembles when they do not fit.
     */
    private static Map<String, Tensor> checkedTensors(
            TensorSource source, AutoencoderKLConfig config, String origin, List<String> savedNames) {
        Map<String, long[]> expected = new LinkedHashMap<>();
        try (dev.vae4j.core.tensor.TensorScope scope = new dev.vae4j.core.tensor.TensorScope()) {
            StateDict.of(new AutoencoderKL(config))
                    .forEach((k, v) -> expected.put(k, v.sizes().vec().get()));
        }
        LoadReport report = StateDict.compare(expected, source);
        if (!report.clean()) {
            throw new WeightLoadingException(origin, report, CheckpointLayout.hint(savedNames));
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : expected.keySet()) {
            out.put(name, source.load(name));
        }
        return out;
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new FileAccessException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }
}
