package dev.vae4j.diffusion.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vae4j.core.model.ConfigEnums;
import dev.vae4j.diffusion.PredictionType;
import dev.vae4j.diffusion.dit.DiTConfig;
import dev.vae4j.diffusion.objective.DiffusionObjective;
import dev.vae4j.diffusion.objective.FlowConvention;
import dev.vae4j.diffusion.objective.RectifiedFlowObjective;
import dev.vae4j.diffusion.objective.RegressionLoss;
import dev.vae4j.diffusion.objective.TrainingObjective;
import dev.vae4j.diffusion.pipeline.SchedulerConfig;
import dev.vae4j.diffusion.schedule.BetaSchedule;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import dev.vae4j.diffusion.schedule.PytorchDiffusionSchedule;
import dev.vae4j.diffusion.unet.LatentUNetConfig;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.cache.LatentDataset;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A stage-2 training recipe: the denoiser's shape, the objective, how the latents are taken and the loop settings, read
 * from YAML ({@code recipes/stage2/<name>.yaml} built in, or a file). The latent channels, size and class count come
 * from the data, so one recipe fits every autoencoder's cache. A recipe marks itself with {@code stage: 2}, which is
 * how {@code vae train --recipe} tells it from an autoencoder recipe.
 *
 * @param stage always 2
 * @param name the recipe's name
 * @param description one line for listings
 * @param denoiser the network
 * @param objective the training objective
 * @param data how training latents are taken
 * @param train the loop settings ({@code generator_optimizer} is the denoiser's optimizer)
 */
public record Stage2Recipe(
        @JsonProperty("stage") int stage,
        @JsonProperty("name") String name,
        @JsonProperty("description") String description,
        @JsonProperty("denoiser") DenoiserSpec denoiser,
        @JsonProperty("objective") ObjectiveSpec objective,
        @JsonProperty("data") DataSpec data,
        @JsonProperty("train") TrainConfig train) {

    /** Names of the built-in stage-2 recipes. */
    public static final List<String> BUILT_IN = List.of("dit-s2", "sit-s2", "latent-unet", "dit-synthetic");

    private static final ObjectMapper YAML = JsonMapper.builder(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .build();

    /** Checks the sections are present and the network is given once. */
    public Stage2Recipe {
        if (stage != 2) {
            throw new IllegalArgumentException("a stage-2 recipe needs 'stage: 2', got " + stage);
        }
        if (name == null || denoiser == null || objective == null || train == null) {
            throw new IllegalArgumentException("a stage-2 recipe needs name, denoiser, objective and train sections");
        }
        data = data == null ? new DataSpec(null, null, 0) : data;
    }

    /**
     * Loads a built-in stage-2 recipe by name or a recipe file by path.
     *
     * @throws IllegalArgumentException if there is no such recipe, or it is malformed (Jackson's message names the key)
     */
    public static Stage2Recipe load(String nameOrPath) {
        Path path = Path.of(nameOrPath);
        try {
            if (Files.isRegularFile(path)) {
                return YAML.readValue(path.toFile(), Stage2Recipe.class);
            }
            try (InputStream in = resource(nameOrPath)) {
                if (in == null) {
                    throw new IllegalArgumentException("no stage-2 recipe file " + nameOrPath + " and no built-in"
                            + " stage-2 recipe of that name (built in: " + String.join(", ", BUILT_IN) + ")");
                }
                return YAML.readValue(in, Stage2Recipe.class);
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("stage-2 recipe " + nameOrPath + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read stage-2 recipe " + nameOrPath + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether {@code nameOrPath} names a stage-2 recipe: a built-in one, or a YAML file with {@code stage: 2} at its
     * top level (false for anything else, including unreadable files).
     */
    public static boolean isStage2(String nameOrPath) {
        if (BUILT_IN.contains(nameOrPath)) {
            return true;
        }
        Path path = Path.of(nameOrPath);
        if (!Files.isRegularFile(path)) {
            return false;
        }
        try {
            return YAML.readTree(path.toFile()).path("stage").asInt(0) == 2;
        } catch (IOException e) {
            return false;
        }
    }

    private static InputStream resource(String name) {
        return name.matches("[a-z0-9-]+")
                ? Stage2Recipe.class.getResourceAsStream("/recipes/stage2/" + name + ".yaml")
                : null;
    }

    /** This recipe as YAML (what a run folder keeps to resume with). */
    public String toYaml() {
        try {
            return YAML.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the recipe as YAML", e);
        }
    }

    /** This recipe with other loop settings. */
    public Stage2Recipe withTrain(TrainConfig value) {
        return new Stage2Recipe(stage, name, description, denoiser, objective, data, value);
    }

    /**
     * The network: exactly one of {@code dit} and {@code latent_unet}.
     *
     * @param dit a DiT's shape, or null
     * @param latentUnet a latent UNet's shape, or null
     */
    public record DenoiserSpec(
            @JsonProperty("dit") DiTShape dit,
            @JsonProperty("latent_unet") LatentUNetShape latentUnet) {
        /** Checks exactly one network is given. */
        public DenoiserSpec {
            if ((dit == null) == (latentUnet == null)) {
                throw new IllegalArgumentException("the denoiser section needs exactly one of 'dit' and 'latent_unet'");
            }
        }
    }

    /**
     * A DiT's shape; channels, sample size and classes come from the data ({@link DiTConfig#builder}).
     *
     * @param numAttentionHeads heads per block
     * @param attentionHeadDim channels per head
     * @param numLayers transformer blocks
     * @param patchSize patch side
     */
    public record DiTShape(
            @JsonProperty("num_attention_heads") int numAttentionHeads,
            @JsonProperty("attention_head_dim") int attentionHeadDim,
            @JsonProperty("num_layers") int numLayers,
            @JsonProperty("patch_size") int patchSize) {

        /** The DiT for latents of {@code channels} x {@code size} x {@code size} and {@code classes} classes. */
        public DiTConfig config(int channels, int size, int classes) {
            return DiTConfig.builder(numAttentionHeads, attentionHeadDim, numLayers)
                    .channels(channels, null)
                    .size(size, patchSize)
                    .classes(classes)
                    .build();
        }
    }

    /**
     * A latent UNet's shape (stanipov/pytorch-diffusion's {@code unet_config} keys); channels, size and classes come
     * from the data.
     *
     * @param initDim channels of the first level
     * @param dimMults channel multipliers per level
     * @param timeDim time-embedding width
     * @param resnetGroups GroupNorm groups
     * @param resnetStacks resnet blocks per level
     * @param attentionHeads attention heads
     * @param attentionHeadDim channels per head
     * @param upMode {@code nearest} or {@code bilinear}
     */
    public record LatentUNetShape(
            @JsonProperty("init_dim") int initDim,
            @JsonProperty("dim_mults") List<Integer> dimMults,
            @JsonProperty("time_dim") int timeDim,
            @JsonProperty("resnet_groups") int resnetGroups,
            @JsonProperty("resnet_stacks") int resnetStacks,
            @JsonProperty("attention_heads") int attentionHeads,
            @JsonProperty("attention_head_dim") int attentionHeadDim,
            @JsonProperty("up_mode") String upMode) {

        /** The UNet for latents of {@code channels} x {@code size} x {@code size} and {@code classes} classes. */
        public LatentUNetConfig config(int channels, int size, int classes) {
            return LatentUNetConfig.builder(size)
                    .channels(channels, channels)
                    .initDim(initDim)
                    .dimMults(dimMults)
                    .timeDim(timeDim)
                    .resnetGroups(resnetGroups)
                    .resnetStacks(resnetStacks)
                    .classes(classes)
                    .upMode(ConfigEnums.parse(
                            LatentUNetConfig.UpMode.class, upMode == null ? "nearest" : upMode, "up_mode"))
                    .attention(attentionHeads, attentionHeadDim)
                    .build();
        }
    }

    /**
     * The training objective.
     *
     * @param type {@code ddpm} (a discrete schedule, {@link DiffusionObjective}) or {@code rectified_flow}
     * @param betaSchedule diffusers' {@code linear}, {@code scaled_linear}, {@code squaredcos_cap_v2}, {@code sigmoid},
     *     or {@code pytorch_diffusion_cosine} (stanipov/pytorch-diffusion's cosine with offset {@code cosine_s})
     * @param betaStart first beta (diffusers' schedules)
     * @param betaEnd last beta
     * @param cosineS the cosine offset s of {@code pytorch_diffusion_cosine}
     * @param trainTimesteps T
     * @param prediction {@code epsilon}, {@code v_prediction} or {@code sample} (ddpm)
     * @param loss {@code l2}, {@code l1} or {@code huber}
     * @param minSnrGamma min-SNR-gamma weighting (0: none; ddpm)
     * @param flowConvention {@code noise_at_one} (diffusers, SD3) or {@code data_at_one} (SiT) (rectified_flow)
     * @param shift the SD3 shift of the noise levels (rectified_flow; 0 or 1: none)
     */
    public record ObjectiveSpec(
            @JsonProperty("type") String type,
            @JsonProperty("beta_schedule") String betaSchedule,
            @JsonProperty("beta_start") double betaStart,
            @JsonProperty("beta_end") double betaEnd,
            @JsonProperty("cosine_s") double cosineS,
            @JsonProperty("train_timesteps") int trainTimesteps,
            @JsonProperty("prediction") String prediction,
            @JsonProperty("loss") String loss,
            @JsonProperty("min_snr_gamma") double minSnrGamma,
            @JsonProperty("flow_convention") String flowConvention,
            @JsonProperty("shift") double shift) {
        private static final String PYTORCH_DIFFUSION_COSINE = "pytorch_diffusion_cosine";

        /** Checks the type and fills diffusers' defaults (linear 1e-4..0.02 over 1000 steps, epsilon, L2). */
        public ObjectiveSpec {
            if (!"ddpm".equals(type) && !"rectified_flow".equals(type)) {
                throw new IllegalArgumentException("objective type must be ddpm or rectified_flow, got " + type);
            }
            betaSchedule = betaSchedule == null ? "linear" : betaSchedule;
            betaStart = betaStart == 0 ? 1e-4 : betaStart;
            betaEnd = betaEnd == 0 ? 0.02 : betaEnd;
            cosineS = cosineS == 0 ? 0.008 : cosineS;
            trainTimesteps = trainTimesteps == 0 ? 1000 : trainTimesteps;
            prediction = prediction == null ? "epsilon" : prediction;
            loss = loss == null ? "l2" : loss;
            flowConvention = flowConvention == null ? "noise_at_one" : flowConvention;
            shift = shift == 0 ? 1.0 : shift;
        }

        /** The discrete schedule of a {@code ddpm} objective. */
        public NoiseSchedule schedule() {
            if (PYTORCH_DIFFUSION_COSINE.equals(betaSchedule)) {
                return NoiseSchedule.pytorchDiffusion(
                        PytorchDiffusionSchedule.COSINE, trainTimesteps, cosineS, betaStart, betaEnd);
            }
            return NoiseSchedule.diffusers(BetaSchedule.forName(betaSchedule), trainTimesteps, betaStart, betaEnd);
        }

        /** The objective. */
        public TrainingObjective create() {
            RegressionLoss regression = ConfigEnums.parse(RegressionLoss.class, loss, "objective loss");
            if ("rectified_flow".equals(type)) {
                return RectifiedFlowObjective.builder()
                        .trainTimesteps(trainTimesteps)
                        .shift(shift)
                        .loss(regression)
                        .convention(ConfigEnums.parse(FlowConvention.class, flowConvention, "flow_convention"))
                        .build();
            }
            DiffusionObjective.Builder builder = DiffusionObjective.builder(schedule())
                    .predictionType(PredictionType.fromConfigName(prediction))
                    .loss(regression);
            if (minSnrGamma > 0) {
                builder.minSnrGamma(minSnrGamma);
            }
            return builder.build();
        }

        /**
         * The DDIM sampler settings a diffusers pipeline of a {@code ddpm} objective samples with (the predicted
         * latents unclipped, as latent diffusion pipelines such as DiT's sample: diffusers' default clip_sample clamps
         * them to [-1, 1]), or null for other objectives and schedules diffusers' scheduler configs cannot state.
         */
        public SchedulerConfig scheduler() {
            if (!"ddpm".equals(type) || PYTORCH_DIFFUSION_COSINE.equals(betaSchedule)) {
                return null;
            }
            return SchedulerConfig.parse("{\"_class_name\": \"DDIMScheduler\", \"num_train_timesteps\": "
                    + trainTimesteps + ", \"beta_start\": " + betaStart + ", \"beta_end\": " + betaEnd
                    + ", \"beta_schedule\": \"" + betaSchedule + "\", \"prediction_type\": \"" + prediction
                    + "\", \"clip_sample\": false}");
        }
    }

    /**
     * How the training latents are taken.
     *
     * @param latentNorm {@code vae_scaling} (default) or {@code channel_stats} ({@link LatentNorm})
     * @param posterior {@code mean} or {@code sample} (default) of the cached posterior
     * @param classDropout probability of replacing a label by the null class (classifier-free guidance)
     */
    public record DataSpec(
            @JsonProperty("latent_norm") String latentNorm,
            @JsonProperty("posterior") String posterior,
            @JsonProperty("class_dropout") double classDropout) {
        /** Fills the defaults and checks the spellings. */
        public DataSpec {
            latentNorm = latentNorm == null ? "vae_scaling" : latentNorm;
            posterior = posterior == null ? "sample" : posterior;
            LatentNorm.parse(latentNorm);
            mode(posterior);
            if (!(classDropout >= 0 && classDropout < 1)) {
                throw new IllegalArgumentException("class_dropout must be in [0, 1), got " + classDropout);
            }
        }

        /** The normalisation. */
        public LatentNorm norm() {
            return LatentNorm.parse(latentNorm);
        }

        /** The posterior mean or sample. */
        public LatentDataset.Mode mode() {
            return mode(posterior);
        }

        private static LatentDataset.Mode mode(String text) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "mean" -> LatentDataset.Mode.MEAN;
                case "sample" -> LatentDataset.Mode.SAMPLE;
                default -> throw new IllegalArgumentException("posterior must be mean or sample, got " + text);
            };
        }
    }
}
