package dev.vae4j.diffusion.pipeline;

import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.randn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.ConfigFormatException;
import dev.vae4j.core.model.ModelFolder;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.dit.DiT;
import dev.vae4j.diffusion.dit.DiTConfig;
import dev.vae4j.diffusion.sampling.GuidedSampling;
import dev.vae4j.diffusion.sampling.NoiseSource;
import dev.vae4j.diffusion.sampling.Sampler;
import dev.vae4j.diffusion.sampling.SamplerKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A diffusers {@code DiTPipeline} folder: {@code model_index.json}, {@code transformer/} (a {@link DiT}), {@code vae/}
 * (an {@link AutoencoderKL}) and {@code scheduler/scheduler_config.json} (a {@link SchedulerConfig}), with the optional
 * {@code id2label} map of {@code model_index.json}. {@link #generate} samples class-conditional images as
 * {@code DiTPipeline.__call__} does. Not thread-safe (a multistep sampler holds state during a call).
 */
public final class DiTPipeline {
    /** The pipeline's index file. */
    public static final String INDEX_FILE = "model_index.json";
    /** The {@code _class_name} of the index. */
    public static final String CLASS_NAME = "DiTPipeline";
    /** The scheduler subfolder. */
    public static final String SCHEDULER_SUBFOLDER = "scheduler";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final DiT transformer;
    private final AutoencoderKL vae;
    private final SchedulerConfig scheduler;
    private final Map<Integer, String> id2label;

    /**
     * A pipeline of its three parts; {@code id2label} (class id to comma-separated names) may be empty.
     *
     * @throws IllegalArgumentException when the transformer's latent channels differ from the VAE's
     */
    public DiTPipeline(DiT transformer, AutoencoderKL vae, SchedulerConfig scheduler, Map<Integer, String> id2label) {
        this.transformer = Objects.requireNonNull(transformer, "transformer");
        this.vae = Objects.requireNonNull(vae, "vae");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.id2label = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(id2label, "id2label")));
        if (transformer.latentChannels() != vae.config().latentChannels()) {
            throw new IllegalArgumentException("the transformer denoises " + transformer.latentChannels()
                    + " latent channels; the VAE decodes " + vae.config().latentChannels());
        }
        transformer.eval();
        vae.eval();
    }

    /**
     * Loads a pipeline folder as {@code DiTPipeline.from_pretrained} does.
     *
     * @throws FileAccessException naming the missing part or a file that cannot be read
     * @throws ConfigFormatException when model_index.json is not a DiTPipeline index or a part's config is unsupported
     */
    public static DiTPipeline load(Path folder) {
        Path index = folder.resolve(INDEX_FILE);
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new FileAccessException("no DiT pipeline in " + folder + ": cannot read " + index, e);
        }
        String className = root.path("_class_name").asText("");
        if (!CLASS_NAME.equals(className)) {
            throw new ConfigFormatException(index + ": _class_name '" + className + "' is not " + CLASS_NAME);
        }
        for (String part : new String[] {DiT.PIPELINE_SUBFOLDER, ModelFolder.SUBFOLDER, SCHEDULER_SUBFOLDER}) {
            if (!root.has(part)) {
                throw new ConfigFormatException(index + ": no '" + part + "' entry");
            }
            if (!Files.isDirectory(folder.resolve(part))) {
                throw new FileAccessException(
                        "DiT pipeline " + folder + " has no " + part + "/ folder",
                        new java.nio.file.NoSuchFileException(
                                folder.resolve(part).toString()));
            }
        }
        Map<Integer, String> labels = new TreeMap<>();
        root.path("id2label").fields().forEachRemaining(e -> {
            try {
                labels.put(Integer.valueOf(e.getKey()), e.getValue().asText());
            } catch (NumberFormatException ex) {
                throw new ConfigFormatException(index + ": id2label key '" + e.getKey() + "' is not a class id", ex);
            }
        });
        return new DiTPipeline(
                DiT.load(folder.resolve(DiT.PIPELINE_SUBFOLDER)),
                AutoencoderKL.fromPretrained(folder.resolve(ModelFolder.SUBFOLDER)),
                SchedulerConfig.read(folder.resolve(SCHEDULER_SUBFOLDER).resolve(SchedulerConfig.CONFIG_FILE)),
                labels);
    }

    /**
     * Writes the pipeline folder that diffusers' {@code DiTPipeline.from_pretrained} and {@link #load} read:
     * model_index.json as {@code save_pretrained} writes it (plus {@code id2label} when there are labels), the
     * transformer, the VAE and the scheduler config. The folder is written next to {@code folder} and moved into place
     * atomically, so a reader sees the whole pipeline or none.
     *
     * @throws IllegalArgumentException when {@code folder} already exists
     * @throws FileAccessException if a file cannot be written
     */
    public void save(Path folder) {
        if (Files.exists(folder)) {
            throw new IllegalArgumentException("pipeline folder " + folder + " already exists");
        }
        Path parent = folder.toAbsolutePath().getParent();
        Path staging;
        try {
            Files.createDirectories(parent);
            staging = Files.createTempDirectory(parent, "." + folder.getFileName() + ".tmp");
        } catch (IOException e) {
            throw new FileAccessException("cannot write pipeline folder " + folder + ": " + e.getMessage(), e);
        }
        try {
            writeParts(staging);
            Files.move(staging, folder, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(staging);
            throw new FileAccessException("cannot write pipeline folder " + folder + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(staging);
            throw e;
        }
    }

    private void writeParts(Path dir) throws IOException {
        transformer.save(dir.resolve(DiT.PIPELINE_SUBFOLDER));
        vae.save(Files.createDirectories(dir.resolve(ModelFolder.SUBFOLDER)));
        Path schedulerDir = Files.createDirectories(dir.resolve(SCHEDULER_SUBFOLDER));
        AtomicFiles.writeString(schedulerDir.resolve(SchedulerConfig.CONFIG_FILE), scheduler.json());
        AtomicFiles.writeString(dir.resolve(INDEX_FILE), indexJson());
    }

    /** Removes a staging folder a failed save leaves; what cannot be removed stays (the save's error is reported). */
    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: the original failure is what the caller needs to see
        }
    }

    private String indexJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("_class_name", CLASS_NAME);
        root.put("_diffusers_version", DiTConfig.DIFFUSERS_VERSION);
        if (!id2label.isEmpty()) {
            ObjectNode labels = root.putObject("id2label");
            id2label.forEach((id, name) -> labels.put(Integer.toString(id), name));
        }
        root.putArray(SCHEDULER_SUBFOLDER).add("diffusers").add(scheduler.className());
        root.putArray(DiT.PIPELINE_SUBFOLDER).add("diffusers").add(DiTConfig.CLASS_NAME);
        root.putArray(ModelFolder.SUBFOLDER).add("diffusers").add(AutoencoderKL.class.getSimpleName());
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise model_index.json", e);
        }
    }

    /**
     * Samples one image per entry of {@code classLabels} as diffusers' {@code DiTPipeline.__call__(class_labels,
     * guidance_scale, generator=torch.manual_seed(seed), num_inference_steps)}: initial latents (B, C, s, s) drawn by a
     * CPU generator seeded {@code seed}, {@code steps} sampler steps guided with {@code guidance} (above 1: classifier-
     * free guidance against the null class), then {@code vae.decode(latents / scaling_factor)}. Returns images (B, 3,
     * H, W) float32 in about [-1, 1] (diffusers maps them to [0, 1] with {@code x / 2 + 0.5} and clamps).
     *
     * @throws IllegalArgumentException for no labels, a label outside [0, numClasses), steps outside [1, T] or a
     *     guidance scale below 1
     */
    public Tensor generate(long[] classLabels, int steps, double guidance, long seed) {
        return decode(generateLatents(classLabels, steps, guidance, seed));
    }

    /**
     * Like {@link #generate(long[], int, double, long)} from the given initial latents {@code noise} (B, C, s, s); a
     * DDPM scheduler draws its step noise from {@code stepNoise}.
     */
    public Tensor generate(long[] classLabels, int steps, double guidance, Tensor noise, NoiseSource stepNoise) {
        return decode(generateLatents(classLabels, steps, guidance, noise, stepNoise));
    }

    /**
     * The final latents (B, C, s, s) float32 of {@link #generate(long[], int, double, long)}, before they are scaled
     * and decoded: {@code decode(generateLatents(...))} is {@code generate(...)}.
     */
    public Tensor generateLatents(long[] classLabels, int steps, double guidance, long seed) {
        Objects.requireNonNull(classLabels, "classLabels");
        Generator generator = createCPUGenerator(seed);
        Tensor noise = randn(
                new long[] {classLabels.length, transformer.latentChannels(), latentSize(), latentSize()},
                new GeneratorOptional(generator),
                new TensorOptions(ScalarType.Float));
        return generateLatents(classLabels, steps, guidance, noise, NoiseSource.of(generator));
    }

    /**
     * The final latents (B, C, s, s) float32 of {@link #generate(long[], int, double, Tensor, NoiseSource)}, before
     * they are scaled and decoded.
     *
     * @throws IllegalArgumentException as {@link #generate(long[], int, double, long)} does, or when {@code noise} is
     *     not one latent (C, H, W) per label
     */
    public Tensor generateLatents(long[] classLabels, int steps, double guidance, Tensor noise, NoiseSource stepNoise) {
        return generateLatents(classLabels, scheduler.sampler(steps, stepNoise), guidance, noise);
    }

    /**
     * The final latents (B, C, s, s) float32 of the pipeline's loop run with {@code sampler} instead of the scheduler's
     * own (e.g. {@link SchedulerConfig#sampler(SamplerKind, int, double, NoiseSource)}), from {@code noise}.
     *
     * @throws IllegalArgumentException as {@link #generateLatents(long[], int, double, Tensor, NoiseSource)} does
     */
    public Tensor generateLatents(long[] classLabels, Sampler sampler, double guidance, Tensor noise) {
        Objects.requireNonNull(classLabels, "classLabels");
        return GuidedSampling.run(transformer, sampler, guidance, classLabels, noise);
    }

    /**
     * Decodes final latents (B, C, h, w) as the pipeline does, {@code vae.decode(latents / scaling_factor)}, into
     * images (B, 3, H, W) float32 in about [-1, 1].
     */
    public Tensor decode(Tensor latents) {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            return scope.keep(vae.decode(latents.div(new Scalar(vae.config().scalingFactor()))));
        }
    }

    /** The side s of the square latents (B, C, s, s) the transformer denoises ({@code sample_size}). */
    public int latentSize() {
        return transformer.config().sampleSize();
    }

    /** The class-conditional DiT. */
    public DiT transformer() {
        return transformer;
    }

    /** The VAE that decodes the latents. */
    public AutoencoderKL vae() {
        return vae;
    }

    /** The scheduler. */
    public SchedulerConfig scheduler() {
        return scheduler;
    }

    /** Class id to its comma-separated names ({@code model_index.json}'s {@code id2label}), possibly empty. */
    public Map<Integer, String> id2label() {
        return id2label;
    }
}
