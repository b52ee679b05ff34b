package dev.vae4j.core.model;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.DiffusersKeyMapping;
import dev.vae4j.core.io.LdmKeyMapping;
import dev.vae4j.core.io.LevelAttentionKeyMapping;
import dev.vae4j.core.io.LoadReport;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.io.WeightLoadingException;
import dev.vae4j.core.io.torch.CheckpointFiles;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;

/**
 * {@link CheckpointConverter}'s LDM &lt;-&gt; diffusers conversions for VQ first stages ({@link VQModel}): an
 * LDM/CompVis VQModel single file ({@code encoder.down.0.block.0.*}, {@code quantize.embedding.weight}, ...; any prefix
 * such as {@code first_stage_model.}) to a diffusers {@code VQModel} folder and back, bit for bit. Names and shapes are
 * checked strictly against the model of the config before anything is written.
 */
public final class VQCheckpointConverter {
    private VQCheckpointConverter() {}

    /**
     * The VQ architecture {@code presetOrFile} names, if it names one: a {@link VQModelConfig#preset} name or a
     * {@code config.json} whose {@code _class_name} is {@code VQModel}.
     *
     * @throws ConfigFormatException if the file is a VQModel config with a bad value
     */
    public static Optional<VQModelConfig> architecture(String presetOrFile) {
        Path file = Path.of(presetOrFile);
        if (Files.isRegularFile(file)) {
            return VQModelConfig.CLASS_NAME.equals(ModelConfig.read(file).className())
                    ? Optional.of(VQModelConfig.read(file))
                    : Optional.empty();
        }
        return VQModelConfig.preset(presetOrFile);
    }

    /** Whether {@code dir} is a model folder (or pipeline folder) whose config names {@code VQModel}. */
    public static boolean isVQModelFolder(Path dir) {
        return ModelFolder.find(dir)
                .map(folder -> VQModelConfig.CLASS_NAME.equals(ModelConfig.read(folder.resolve(ModelFolder.CONFIG_FILE))
                        .className()))
                .orElse(false);
    }

    /**
     * LDM VQModel single file -> diffusers folder ({@code config.json} + {@code diffusion_pytorch_model.safetensors}).
     *
     * @throws WeightLoadingException listing every missing, unexpected or mis-shaped key
     * @throws IllegalArgumentException for a {@code norm_type spatial} config (no LDM layout is mapped for it)
     */
    public static void ldmToDiffusers(Path ldmFile, VQModelConfig config, Path outDir) {
        requireGroupNorm(config);
        try (CheckpointFiles.Opened opened = CheckpointFiles.open(ldmFile)) {
            TensorSource diffusers = diffusersNames(opened, config);
            Map<String, Tensor> tensors = checkedTensors(diffusers, config, ldmFile.toString());
            try {
                Files.createDirectories(outDir);
            } catch (IOException e) {
                throw new FileAccessException("cannot create " + outDir + ": " + e.getMessage(), e);
            }
            SafetensorsWriter.write(outDir.resolve(AutoencoderKL.WEIGHTS_FILE), tensors, Map.of("format", "pt"));
            config.write(outDir.resolve(AutoencoderKL.CONFIG_FILE));
        }
    }

    /**
     * Diffusers VQModel folder -> LDM safetensors file, every key under {@code prefix} ({@code ""} for a standalone
     * first stage, {@code "first_stage_model."} inside an LDM checkpoint).
     *
     * @throws WeightLoadingException listing every missing, unexpected or mis-shaped key
     * @throws IllegalArgumentException for a {@code norm_type spatial} folder (no LDM layout is mapped for it)
     */
    public static void diffusersToLdm(Path diffusersDir, Path ldmFile, String prefix) {
        Path folder = ModelFolder.resolve(diffusersDir);
        VQModelConfig config = VQModelConfig.read(folder.resolve(AutoencoderKL.CONFIG_FILE));
        requireGroupNorm(config);
        Path weights = folder.resolve(AutoencoderKL.WEIGHTS_FILE);
        int levels = config.blockOutChannels().size();
        try (CheckpointFiles.Opened opened = CheckpointFiles.open(weights)) {
            TensorSource diffusers = diffusersNames(opened, config);
            checkedTensors(diffusers, config, weights.toString());
            TensorSource ldm = LevelAttentionKeyMapping.toLdm(LdmKeyMapping.wrap(diffusers, levels, prefix), levels);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (String name : ldm.names()) {
                out.put(name, ldm.load(name));
            }
            SafetensorsWriter.write(ldmFile, out, Map.of("format", "pt"));
        }
    }

    /** The LDM key mapping knows GroupNorm names only: a SpatialNorm decoder would be written half-renamed. */
    private static void requireGroupNorm(VQModelConfig config) {
        if (config.spatialNorm()) {
            throw new IllegalArgumentException("VQModel with norm_type 'spatial' (MoVQ): no LDM/CompVis single-file"
                    + " layout is mapped for its SpatialNorms; use the diffusers folder");
        }
    }

    /**
     * A checkpoint in any naming {@link DiffusersKeyMapping} reads, plus LDM's level attentions
     * ({@link LevelAttentionKeyMapping}), under diffusers {@code VQModel} names.
     */
    static TensorSource diffusersNames(TensorSource checkpoint, VQModelConfig config) {
        int levels = config.blockOutChannels().size();
        return DiffusersKeyMapping.wrap(LevelAttentionKeyMapping.fromLdm(checkpoint, levels), levels);
    }

    /** All tensors of {@code source} in the model's order, after checking names and shapes against it. */
    private static Map<String, Tensor> checkedTensors(TensorSource source, VQModelConfig config, String origin) {
        Map<String, long[]> expected = new LinkedHashMap<>();
        try (TensorScope scope = new TensorScope()) {
            StateDict.of(new VQModel(config))
                    .forEach((k, v) -> expected.put(k, v.sizes().vec().get()));
        }
        LoadReport report = StateDict.compare(expected, source);
        if (!report.clean()) {
            throw new WeightLoadingException(origin, report);
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : expected.keySet()) {
            out.put(name, source.load(name));
        }
        return out;
    }
}
