package dev.vae4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a {@code vae diffusability} comparison was started with, kept in its work folder as {@code comparison.json} so
 * that {@code --resume} continues it only with the same autoencoders, images, recipe and scoring.
 *
 * @param autoencoders the autoencoder folders, absolute, in order
 * @param data the images: an absolute folder, or {@code synthetic:N[:SEED]}
 * @param resolution the square side the images are encoded at, px
 * @param recipe the stage-2 recipe as YAML, overrides applied
 * @param samplesPerClass samples generated per class for the scores
 * @param samplerSteps sampler steps of the scores
 * @param inception the FID Inception weights, absolute, or null
 */
record ComparisonRecord(
        List<String> autoencoders,
        String data,
        int resolution,
        String recipe,
        int samplesPerClass,
        int samplerSteps,
        String inception) {
    /** The file name inside the work folder. */
    static final String FILE = "comparison.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Writes this record into {@code work} (atomically). */
    void write(Path work) {
        try {
            AtomicFiles.writeString(work.resolve(FILE), JSON.writeValueAsString(this) + "\n");
        } catch (IOException e) {
            throw new FileAccessException("cannot write " + work.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    /**
     * The record in {@code work}.
     *
     * @throws IllegalArgumentException if {@code work} holds none or an unreadable one
     */
    static ComparisonRecord read(Path work) {
        Path file = work.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    work + " holds no comparison to resume (no " + FILE + "): start one without --resume");
        }
        try {
            return JSON.readValue(file.toFile(), ComparisonRecord.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** What first differs from {@code other} ("its recipe differs (...)"), naming this record's value, or null. */
    String difference(ComparisonRecord other) {
        if (!autoencoders.equals(other.autoencoders)) {
            return "its autoencoders differ (started with --vae " + String.join(" --vae ", autoencoders) + ")";
        }
        if (!data.equals(other.data) || resolution != other.resolution) {
            return "its images differ (started with --data " + data + " --resolution " + resolution + ")";
        }
        if (!recipe.equals(other.recipe)) {
            return "its stage-2 recipe differs (--recipe, --steps)";
        }
        if (samplesPerClass != other.samplesPerClass || samplerSteps != other.samplerSteps) {
            return "its scoring differs (started with --samples " + samplesPerClass + " --sampler-steps " + samplerSteps
                    + ")";
        }
        if (!Objects.equals(inception, other.inception)) {
            return "its Inception weights differ (started with " + (inception == null ? "none" : inception) + ")";
        }
        return null;
    }
}
