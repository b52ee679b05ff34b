package dev.vae4j.recipes;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.ConfigKeys;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.eval.EvaluationSet;
import dev.vae4j.eval.PeriodicEvaluation;
import dev.vae4j.eval.ReconstructionEvaluator;
import dev.vae4j.train.LatentDistillation;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.listeners.MetricsLog;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training recipe: a YAML (or JSON) file naming the model, the data preparation, the loop hyper-parameters, the
 * objective and the discriminator. Built-in recipes live in {@code recipes/<name>.yaml} on the classpath; any other
 * file can be given by path. Unknown keys are errors, so typos do not pass silently.
 *
 * @param name recipe name (also the default run folder name)
 * @param description one line shown by {@code vae train --help}
 * @param model the autoencoder to build
 * @param data image preparation
 * @param train the loop hyper-parameters
 * @param objective the loss weights, a record per objective type
 * @param discriminator the discriminator, or null for none
 * @param validation held-out evaluation and sample grids
 * @param evaluation evaluation on a separate image folder every N steps, or null for none
 */
public record Recipe(
        @JsonProperty("name") String name,
        @JsonProperty("description") String description,
        @JsonProperty("model") ModelSpec model,
        @JsonProperty("data") DataSpec data,
        @JsonProperty("train") TrainConfig train,
        @JsonProperty("objective") ObjectiveSpec objective,
        @JsonProperty("discriminator") DiscriminatorSpec discriminator,
        @JsonProperty("validation") ValidationSpec validation,
        @JsonProperty("evaluation") EvaluationSpec evaluation) {

    // type ids as a "type" key, as recipes spell them, not as YAML tags
    private static final ObjectMapper YAML = new ObjectMapper(
                    new YAMLFactory().disable(YAMLGenerator.Feature.USE_NATIVE_TYPE_ID))
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .registerModule(RecipeEnums.module());

    /** Names of the built-in recipes. */
    public static final List<String> BUILT_IN = List.of(
            "kl-f4-small",
            "ldm-kl-f8",
            "sd-ft-mse",
            "vqgan-training",
            "vqgan-f8",
            "vq-f4-small",
            "pd-vq-f8",
            "litevae-b-phase-a",
            "litevae-b-phase-b",
            "taesd-distill");

    /** Checks the parts are present. */
    public Recipe {
        if (name == null || model == null || data == null || train == null || objective == null || validation == null) {
            throw new IllegalArgumentException("a recipe needs name, model, data, train, objective and validation");
        }
    }

    /**
     * The autoencoder: a preset name, an inline {@code config.json} object (diffusers {@code AutoencoderKL}, or LiteVAE
     * with {@code _class_name: LiteVAE}), or (for fine-tuning) a pretrained model folder given on the command line with
     * {@code --init-from}.
     *
     * @param preset a preset of any model format ({@code sd}, {@code flux}, {@code litevae-open-b}, ...), or null
     * @param config an inline {@code config.json} object, or null
     * @param requiresPretrained whether the recipe only makes sense starting from pretrained weights
     * @param teacher a model folder whose latents the model learns to decode ({@link LatentDistillation}; train with
     *     {@code decoder_only}), or null; {@code vae train --teacher DIR} sets it
     * @param requiresTeacher whether the recipe only makes sense with a teacher
     */
    public record ModelSpec(
            @JsonProperty("preset") String preset,
            @JsonProperty("config") ModelConfig config,
            @JsonProperty("requires_pretrained") boolean requiresPretrained,
            @JsonProperty("teacher") String teacher,
            @JsonProperty("requires_teacher") boolean requiresTeacher) {

        /**
         * Checks that a recipe that distils from a teacher has one.
         *
         * @throws IllegalArgumentException naming {@code --teacher} otherwise
         */
        public void requireTeacherIfNeeded() {
            if (requiresTeacher && teacher == null) {
                throw new IllegalArgumentException("this recipe distils a decoder from a teacher VAE's latents: "
                        + "give the teacher's model folder with --teacher DIR");
            }
        }

        /**
         * {@code model} itself, or, with a teacher, the {@link LatentDistillation} of {@code model} from the teacher's
         * latents (the teacher loaded, frozen and moved to {@code device}).
         */
        public TrainableAutoencoder distilled(TrainableAutoencoder model, String device) {
            requireTeacherIfNeeded();
            if (teacher == null) {
                return model;
            }
            TrainableAutoencoder loaded = LatentDistillation.frozen(Autoencoders.load(Path.of(teacher)));
            loaded.module().to(new org.bytedeco.pytorch.Device(device), false);
            return new LatentDistillation(model, loaded);
        }

        /** A freshly initialised model of the architecture this spec names. */
        public TrainableAutoencoder build() {
            if ((preset == null) == (config == null)) {
                throw new IllegalArgumentException("recipe model needs exactly one of 'preset' and 'config'");
            }
            return Autoencoders.create(preset != null ? Autoencoders.preset(preset) : config);
        }
    }

    /**
     * Image preparation.
     *
     * @param imageSize training resolution (square)
     * @param syntheticCount images of the built-in synthetic dataset when no folder is given
     * @param randomCrop random instead of centre crops
     * @param flip random horizontal flips
     * @param rescaleMin smallest stochastic rescale factor (1 = off)
     * @param rescaleMax largest stochastic rescale factor
     * @param shuffleBuffer samples in the shuffle buffer of tar-shard data (default 1000)
     * @param source the training images: an image folder or a tar-shard pattern (null: the built-in synthetic images);
     *     {@code vae train --data} overrides it, and a run's {@code recipe.yaml} records the absolute source it trained
     *     on, which {@code --resume} reuses
     * @param buckets train on SDXL-style aspect-ratio buckets of area image_size² instead of square crops
     * @param bucketStep bucket sides are multiples of this (default 64)
     * @param maxAspect largest bucket aspect ratio (default 4)
     */
    public record DataSpec(
            @JsonProperty("image_size") int imageSize,
            @JsonProperty("synthetic_count") int syntheticCount,
            @JsonProperty("random_crop") boolean randomCrop,
            @JsonProperty("flip") boolean flip,
            @JsonProperty("rescale_min") double rescaleMin,
            @JsonProperty("rescale_max") double rescaleMax,
            @JsonProperty("shuffle_buffer") int shuffleBuffer,
            @JsonProperty("source") String source,
            @JsonProperty("buckets") boolean buckets,
            @JsonProperty("bucket_step") int bucketStep,
            @JsonProperty("max_aspect") double maxAspect) {
        /** Fills defaults. */
        public DataSpec {
            bucketStep = bucketStep <= 0 ? 64 : bucketStep;
            maxAspect = maxAspect <= 0 ? 4.0 : maxAspect;
            shuffleBuffer = shuffleBuffer <= 0 ? 1000 : shuffleBuffer;
            syntheticCount = syntheticCount <= 0 ? 512 : syntheticCount;
            rescaleMin = rescaleMin <= 0 ? 1.0 : rescaleMin;
            rescaleMax = rescaleMax <= 0 ? rescaleMin : rescaleMax;
        }
    }

    /**
     * The discriminator.
     *
     * @param type a preset of {@code DiscriminatorPresets} ({@code patchgan, vgg, unetgan-s|m|l, gigagan}) or none
     * @param ndf base width of a custom PatchGAN (0: the preset)
     * @param layers strided layers (PatchGAN)
     * @param actNorm ActNorm instead of BatchNorm (PatchGAN)
     */
    public record DiscriminatorSpec(
            @JsonProperty("type") String type,
            @JsonProperty("ndf") int ndf,
            @JsonProperty("layers") int layers,
            @JsonProperty("act_norm") boolean actNorm) {}

    /**
     * Held-out evaluation.
     *
     * @param images held-out images (taken from the end of the folder, or synthetic with another seed)
     * @param every steps between validations and sample grids (0: start and end only)
     */
    public record ValidationSpec(
            @JsonProperty("images") int images,
            @JsonProperty("every") long every) {}

    /**
     * Evaluation on a separate image folder during training, as {@code vae evaluate} measures it (see
     * {@link PeriodicEvaluation}): PSNR and SSIM always, LPIPS and rFID when their weights are given. Paths are
     * relative to the working folder.
     *
     * @param every steps between evaluations (at least 1; the last step is always evaluated)
     * @param data the validation image folder
     * @param limit evaluate only the first N images by name (null: all)
     * @param size square evaluation resolution in pixels, at least 11 (null: {@code data.image_size})
     * @param batchSize images per forward pass (null: {@code train.batch_size})
     * @param lpips LPIPS (VGG) safetensors (null: {@code vae train --lpips}, or no LPIPS without it)
     * @param inception FID Inception safetensors, e.g. {@code vae convert --to safetensors} of pytorch-fid's
     *     {@code pt_inception-2015-12-05-6726825d.pth} (null: no rFID)
     */
    public record EvaluationSpec(
            @JsonProperty("every") long every,
            @JsonProperty("data") String data,
            @JsonProperty("limit") Integer limit,
            @JsonProperty("size") Integer size,
            @JsonProperty("batch_size") Integer batchSize,
            @JsonProperty("lpips") String lpips,
            @JsonProperty("inception") String inception) {
        /** Checks the values. */
        public EvaluationSpec {
            if (every < 1 || data == null) {
                throw new IllegalArgumentException("recipe evaluation needs 'every' >= 1 and a 'data' folder, got "
                        + "every " + every + ", data " + data);
            }
            if ((limit != null && limit < 1) || (size != null && size < 11) || (batchSize != null && batchSize < 1)) {
                throw new IllegalArgumentException("recipe evaluation needs limit >= 1, size >= 11 (the SSIM "
                        + "window) and batch_size >= 1, got limit " + limit + ", size " + size + ", batch_size "
                        + batchSize);
            }
        }

        /**
         * The training listener: lists the images and loads the metric networks now, so bad paths or weights fail
         * before training starts.
         *
         * @param model the model being trained (checked to fit the evaluation size)
         * @param defaultSize resolution when {@code size} is absent
         * @param defaultBatchSize batch size when {@code batch_size} is absent
         * @param defaultLpips LPIPS weights when {@code lpips} is absent (may be null)
         * @param log the run's metrics log (written by rank 0 only)
         * @param collectives the ranks sharing each evaluation (see {@link PeriodicEvaluation})
         * @throws IllegalArgumentException naming the recipe key whose folder or size is unusable
         */
        public PeriodicEvaluation listener(
                TrainableAutoencoder model,
                int defaultSize,
                int defaultBatchSize,
                Path defaultLpips,
                MetricsLog log,
                Collectives collectives) {
            int px = size != null ? size : defaultSize;
            ReconstructionEvaluator.requireCompatible(model, px, "evaluation.size");
            EvaluationSet images;
            try {
                images = EvaluationSet.of(Path.of(data), px, limit);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("recipe evaluation.data: " + e.getMessage(), e);
            }
            ReconstructionEvaluator evaluator = ReconstructionEvaluator.builder()
                    .lpips(lpips != null ? Path.of(lpips) : defaultLpips)
                    .inception(inception != null ? Path.of(inception) : null)
                    .worst(1)
                    .build();
            return new PeriodicEvaluation(
                    evaluator, images, batchSize != null ? batchSize : defaultBatchSize, every, log, collectives);
        }
    }

    /**
     * Loads a built-in recipe by name or a recipe file by path.
     *
     * @throws IllegalArgumentException if there is no such recipe, or it is malformed: an unknown key is named with its
     *     section and the closest known key
     */
    public static Recipe load(String nameOrPath) {
        Path path = Path.of(nameOrPath);
        try {
            JsonNode tree;
            if (Files.isRegularFile(path)) {
                tree = YAML.readTree(path.toFile());
            } else {
                try (InputStream in = Recipe.class.getResourceAsStream("/recipes/" + nameOrPath + ".yaml")) {
                    if (in == null) {
                        throw new IllegalArgumentException("no recipe file " + nameOrPath + " and no built-in recipe"
                                + " of that name (built in: " + String.join(", ", BUILT_IN) + ")");
                    }
                    tree = YAML.readTree(in);
                }
            }
            return fromTree(tree, nameOrPath);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read recipe " + nameOrPath + ": " + e.getMessage(), e);
        }
    }

    /**
     * A recipe from its YAML (or JSON) text, as {@link #toYaml()} writes it, checked like {@link #load}.
     *
     * @param where the recipe's name or file, for messages
     * @throws IllegalArgumentException if the text is not a recipe: unknown keys, keys of another objective type and
     *     unknown enum spellings are named
     */
    public static Recipe parse(String yaml, String where) {
        try {
            return fromTree(YAML.readTree(yaml), where);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read recipe " + where + ": " + e.getMessage(), e);
        }
    }

    private static Recipe fromTree(JsonNode tree, String where) {
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException("recipe " + where + " is not a YAML mapping of sections (name,"
                    + " model, data, train, objective, validation, ...)");
        }
        ObjectNode copy = ((ObjectNode) tree).deepCopy();
        requireKnownKeys(copy, Recipe.class, "recipe " + where);
        if (copy.get("objective") instanceof ObjectNode objectiveNode) {
            objectiveNode.put("type", ObjectiveSpec.requireApplicableKeys(objectiveNode, "recipe " + where));
        }
        try {
            return YAML.treeToValue(copy, Recipe.class);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException(readable(e, where), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read recipe " + where + ": " + e.getMessage(), e);
        }
    }

    /**
     * A binding failure as the recipe's author reads it: the key path in the recipe ({@code train.generator_optimizer})
     * and the validation message, without Jackson's class names and source locations.
     */
    private static String readable(JsonMappingException e, String where) {
        String path = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(java.util.stream.Collectors.joining("."))
                .replace(".[", "[");
        String problem = e.getCause() instanceof IllegalArgumentException cause && cause.getMessage() != null
                ? cause.getMessage()
                : e.getOriginalMessage();
        problem = problem.replaceFirst("^Cannot construct instance of `[^`]*`(, problem)?: ", "");
        return "recipe " + where + (path.isEmpty() ? "" : " " + path) + ": " + problem;
    }

    /**
     * Checks every key of {@code node} names a component of the record {@code type} (by its {@link JsonProperty}),
     * recursively through record-typed components, before any value is bound: a typo is reported as itself, not as the
     * missing value it leaves behind.
     */
    private static void requireKnownKeys(JsonNode node, Class<?> type, String where) {
        if (node == null || !node.isObject() || !type.isRecord()) {
            return;
        }
        Map<String, Class<?>> components = new LinkedHashMap<>();
        for (RecordComponent component : type.getRecordComponents()) {
            // @JsonProperty cannot target record components: javac copies it to the accessor and the field
            JsonProperty property = component.getAccessor().getAnnotation(JsonProperty.class);
            components.put(property != null ? property.value() : component.getName(), component.getType());
        }
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        ConfigKeys.requireKnown(where, keys, components.keySet());
        for (String key : keys) {
            requireKnownKeys(node.get(key), components.get(key), where + " " + key);
        }
    }

    /**
     * This recipe as YAML (written into the run folder as the resolved configuration, in the spellings it was read in,
     * so {@link #parse} reads it back).
     */
    public String toYaml() {
        try {
            return YAML.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode recipe " + name + ": " + e.getMessage(), e);
        }
    }

    /** Writes the resolved recipe to {@code file} as YAML, atomically. */
    public void write(Path file) {
        AtomicFiles.writeString(file, toYaml());
    }

    /** A copy whose model learns to decode the latents of the model folder {@code teacherDir}. */
    public Recipe withTeacher(String teacherDir) {
        return new Recipe(
                name,
                description,
                new ModelSpec(
                        model.preset(),
                        model.config(),
                        model.requiresPretrained(),
                        teacherDir,
                        model.requiresTeacher()),
                data,
                train,
                objective,
                discriminator,
                validation,
                evaluation);
    }

    /** A copy with another loop configuration (command-line overrides). */
    public Recipe withTrain(TrainConfig newTrain) {
        return new Recipe(name, description, model, data, newTrain, objective, discriminator, validation, evaluation);
    }

    /**
     * A copy that trains at {@code size} pixels (command-line override).
     *
     * @throws IllegalArgumentException if {@code size} is not positive
     */
    public Recipe withImageSize(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("--image-size must be positive, got " + size);
        }
        DataSpec resized = new DataSpec(
                size,
                data.syntheticCount(),
                data.randomCrop(),
                data.flip(),
                data.rescaleMin(),
                data.rescaleMax(),
                data.shuffleBuffer(),
                data.source(),
                data.buckets(),
                data.bucketStep(),
                data.maxAspect());
        return new Recipe(name, description, model, resized, train, objective, discriminator, validation, evaluation);
    }

    /** A copy that trains on {@code source} (an image folder or shard pattern; null: synthetic images). */
    public Recipe withDataSource(String source) {
        DataSpec sourced = new DataSpec(
                data.imageSize(),
                data.syntheticCount(),
                data.randomCrop(),
                data.flip(),
                data.rescaleMin(),
                data.rescaleMax(),
                data.shuffleBuffer(),
                source,
                data.buckets(),
                data.bucketStep(),
                data.maxAspect());
        return new Recipe(name, description, model, sourced, train, objective, discriminator, validation, evaluation);
    }
}
