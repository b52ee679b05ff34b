package dev.vae4j.diffusion.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.core.model.ConfigFormatException;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.train.cache.CacheFingerprint;
import dev.vae4j.train.cache.LatentDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The latent space a stage-2 run trains in, as {@link Stage2Session} records it in {@code <run>/latent-space.json}:
 * what a sampler needs to build the run's denoiser and to bring its samples back to an autoencoder's latents without
 * the cache: the latent shape (C, s, s), the autoencoder's downsampling factor, the class count and names, the recipe's
 * {@link LatentNorm} with the cache's per-channel statistics, the cache's scaling ({@code (z - shift) *
 * scaling_factor}) and the SHA-256 of the autoencoder weights that encoded the cache (null when its fingerprint does
 * not record them).
 *
 * @param channels C, latent channels
 * @param size s, the side of the square latents
 * @param downsamplingFactor image pixels per latent pixel of the encoding autoencoder
 * @param classes the class count (0: unlabelled)
 * @param classNames class i's name, or empty
 * @param latentNorm the recipe's normalisation ({@code vae_scaling} or {@code channel_stats})
 * @param channelMean the cache's per-channel mean (C), or null when the cache has none
 * @param channelStd the cache's per-channel standard deviation (C), or null when the cache has none
 * @param scalingFactor the cache's scaling factor
 * @param shiftFactor the cache's shift factor
 * @param modelWeights SHA-256 of the encoding autoencoder's weight files, or null when not known
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Stage2LatentSpace(
        int channels,
        int size,
        int downsamplingFactor,
        int classes,
        List<String> classNames,
        String latentNorm,
        double[] channelMean,
        double[] channelStd,
        double scalingFactor,
        double shiftFactor,
        String modelWeights) {
    /** The file a run folder keeps it in. */
    public static final String FILE_NAME = "latent-space.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Checks the record. */
    public Stage2LatentSpace {
        classNames = classNames == null ? List.of() : List.copyOf(classNames);
        LatentNorm norm = LatentNorm.parse(latentNorm);
        if (channels < 1 || size < 1 || downsamplingFactor < 1 || classes < 0) {
            throw new IllegalArgumentException("a latent space needs channels, size and downsampling factor >= 1 and"
                    + " classes >= 0, got " + channels + ", " + size + ", " + downsamplingFactor + ", " + classes);
        }
        if (norm == LatentNorm.CHANNEL_STATS
                && (channelMean == null
                        || channelStd == null
                        || channelMean.length != channels
                        || channelStd.length != channels)) {
            throw new IllegalArgumentException(
                    "latent_norm channel_stats needs " + channels + " channel means and" + " standard deviations");
        }
    }

    /** The latent space of a run of {@code recipe} on the cache {@code cache} (opened from {@code cacheFolder}). */
    static Stage2LatentSpace of(Stage2Recipe recipe, LatentDataset cache, CachedLatents source, Path cacheFolder) {
        long[] shape = source.latentShape();
        LatentNormalizer normalizer = cache.normalizer();
        CacheFingerprint fingerprint = CacheFingerprint.read(cacheFolder);
        return new Stage2LatentSpace(
                (int) shape[0],
                (int) shape[1],
                cache.downsamplingFactor(),
                Stage2Session.classCount(source),
                source.classNames(),
                recipe.data().norm().toString(),
                cache.channelMean(),
                cache.channelStd(),
                normalizer.scale(),
                normalizer.shift(),
                fingerprint == null ? null : fingerprint.modelWeights());
    }

    /**
     * Reads {@code <runDir>/latent-space.json}.
     *
     * @throws FileAccessException naming the file when it is missing or unreadable
     * @throws ConfigFormatException when it is not a latent-space record
     */
    public static Stage2LatentSpace read(Path runDir) {
        Path file = runDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new FileAccessException(
                    "stage-2 run " + runDir + " has no " + FILE_NAME + " (runs record it since sampling from run"
                            + " folders exists): write it with vae train --resume " + runDir + " --latents CACHE"
                            + " (a finished run takes no step), or sample its DiTPipeline folder",
                    new NoSuchFileException(file.toString()));
        }
        try {
            return JSON.readValue(file.toFile(), Stage2LatentSpace.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ConfigFormatException(file + ": not a stage-2 latent space record: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new FileAccessException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code <runDir>/latent-space.json} atomically.
     *
     * @throws FileAccessException if it cannot be written
     */
    public void write(Path runDir) {
        try {
            AtomicFiles.writeString(runDir.resolve(FILE_NAME), JSON.writeValueAsString(this) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + FILE_NAME, e);
        }
    }

    /** The latent shape (C, s, s). */
    public long[] shape() {
        return new long[] {channels, size, size};
    }

    /**
     * Samples of the run (N, C, s, s) float32 brought to the autoencoder's latent space: the channel normalisation
     * undone ({@code x * std_c + mean_c}, for {@code channel_stats}), then the cache's scaling ({@code x /
     * scaling_factor + shift}). Returns a new tensor.
     */
    public Tensor toAutoencoderSpace(Tensor samples) {
        Tensor cacheSpace = samples;
        if (LatentNorm.parse(latentNorm) == LatentNorm.CHANNEL_STATS) {
            cacheSpace = samples.mul(column(channelStd, samples)).add(column(channelMean, samples));
        }
        return LatentNormalizer.of(scalingFactor, shiftFactor).denormalize(cacheSpace);
    }

    private static Tensor column(double[] values, Tensor like) {
        return CachedLatents.channelColumn(values).to(like.device(), like.scalar_type());
    }
}
