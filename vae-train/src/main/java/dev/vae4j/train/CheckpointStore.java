package dev.vae4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.AtomicFiles;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training checkpoints under {@code <run>/checkpoints/step-NNNNNNNN/}: the model's (autoencoder's or denoiser's), EMA
 * and discriminator weights (safetensors, model key names), both optimizers (libtorch archives), the objective's own
 * parameters and {@code state.json}. A checkpoint is written into a hidden temporary folder and renamed into place only
 * when complete, so a crash or a failed write (disk full) never damages the previous one: the incomplete folder is
 * deleted and the failure reported as an {@link FileAccessException}. Only the newest {@code keep} are kept. Every file
 * is written from Java (optimizer archives are serialized in memory first), so an I/O error never surfaces as a native
 * exception that would abort the JVM.
 */
public final class CheckpointStore {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String PREFIX = "step-";
    private static final String STATE = "state.json";

    private final Path root;
    private final int keep;

    /**
     * @param runDir the run folder (checkpoints go to its {@code checkpoints/} subfolder)
     * @param keep checkpoints kept (>= 1)
     */
    public CheckpointStore(Path runDir, int keep) {
        this.root = runDir.resolve("checkpoints");
        this.keep = Math.max(1, keep);
    }

    /**
     * What a checkpoint holds; absent parts are null.
     *
     * @param modelName the trained model's name, which names its files: {@code autoencoder} (weights in
     *     {@code autoencoder.safetensors}, optimizer in {@code generator-optimizer.pt}) or another such as
     *     {@code denoiser} ({@code denoiser.safetensors}, {@code denoiser-optimizer.pt})
     * @param model the trained model
     * @param ema the EMA of the model's weights ({@code ema.safetensors})
     * @param discriminator the discriminator ({@code discriminator.safetensors})
     * @param generatorOptimizer the model's optimizer
     * @param discriminatorOptimizer the discriminator's optimizer ({@code discriminator-optimizer.pt})
     * @param objectiveParameters the objective's own trained tensors ({@code objective.safetensors})
     */
    public record Parts(
            String modelName,
            Module model,
            ExponentialMovingAverage ema,
            Module discriminator,
            Optimizer generatorOptimizer,
            Optimizer discriminatorOptimizer,
            List<Tensor> objectiveParameters) {
        /** The name of an autoencoder model. */
        public static final String AUTOENCODER = "autoencoder";

        /** The parts of an autoencoder run ({@link #AUTOENCODER}). */
        public Parts(
                Module autoencoder,
                ExponentialMovingAverage ema,
                Module discriminator,
                Optimizer generatorOptimizer,
                Optimizer discriminatorOptimizer,
                List<Tensor> objectiveParameters) {
            this(
                    AUTOENCODER,
                    autoencoder,
                    ema,
                    discriminator,
                    generatorOptimizer,
                    discriminatorOptimizer,
                    objectiveParameters);
        }

        /** The parts of a run that trains {@code model} alone, saved under {@code name}. */
        public static Parts of(String name, Module model, ExponentialMovingAverage ema, Optimizer optimizer) {
            if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
                throw new IllegalArgumentException("a checkpoint model name must be a lower-case word, got " + name);
            }
            return new Parts(name, model, ema, null, optimizer, null, List.of());
        }

        private String weightsFile() {
            return modelName + ".safetensors";
        }

        private String optimizerFile() {
            return AUTOENCODER.equals(modelName) ? "generator-optimizer.pt" : modelName + "-optimizer.pt";
        }
    }

    /** Writes checkpoint {@code state.step()} atomically and prunes old ones; returns its folder. */
    public Path save(TrainingState state, Parts parts) {
        Path target = root.resolve(String.format("%s%08d", PREFIX, state.step()));
        Path temp = root.resolve(".tmp-" + target.getFileName());
        boolean moved = false;
        try {
            Files.createDirectories(root);
            deleteRecursively(temp);
            Files.createDirectories(temp);
            SafetensorsWriter.write(temp.resolve(parts.weightsFile()), StateDict.of(parts.model()), Map.of());
            if (parts.ema() != null) {
                SafetensorsWriter.write(
                        temp.resolve("ema.safetensors"), parts.ema().tensors(), Map.of());
            }
            if (parts.discriminator() != null) {
                SafetensorsWriter.write(
                        temp.resolve("discriminator.safetensors"), StateDict.of(parts.discriminator()), Map.of());
            }
            saveOptimizer(parts.generatorOptimizer(), temp.resolve(parts.optimizerFile()));
            saveOptimizer(parts.discriminatorOptimizer(), temp.resolve("discriminator-optimizer.pt"));
            if (!parts.objectiveParameters().isEmpty()) {
                SafetensorsWriter.write(
                        temp.resolve("objective.safetensors"), indexed(parts.objectiveParameters()), Map.of());
            }
            AtomicFiles.write(temp.resolve(STATE), out -> JSON.writeValue(out, state));
            deleteRecursively(target);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
        } catch (IOException e) {
            throw new FileAccessException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        } catch (FileAccessException e) {
            throw new FileAccessException("cannot write checkpoint " + target + ": " + e.getMessage(), e.getCause());
        } finally {
            if (!moved) {
                discard(temp);
            }
        }
        prune();
        return target;
    }

    private static void discard(Path temp) {
        try {
            deleteRecursively(temp);
        } catch (IOException e) {
            LOG.warn("cannot delete incomplete checkpoint {}: {}", temp, e.getMessage());
        }
    }

    /** The newest complete checkpoint folder of {@code runDir}, if any. */
    public static Optional<Path> latest(Path runDir) {
        Path dir = runDir.resolve("checkpoints");
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        return complete(dir).stream()
                .max(Comparator.comparing(p -> p.getFileName().toString()));
    }

    /** Restores every part present in {@code checkpoint} into {@code parts}; returns the saved counters. */
    public static TrainingState load(Path checkpoint, Parts parts) {
        if (!Files.isRegularFile(checkpoint.resolve(STATE))) {
            throw new IllegalArgumentException(checkpoint + " is not a complete checkpoint (no " + STATE + ")");
        }
        loadWeights(checkpoint.resolve(parts.weightsFile()), parts.model());
        if (parts.ema() != null) {
            try (SafetensorsReader reader = SafetensorsReader.open(checkpoint.resolve("ema.safetensors"))) {
                parts.ema().load(TensorSource.of(reader));
            }
        }
        if (parts.discriminator() != null) {
            loadWeights(checkpoint.resolve("discriminator.safetensors"), parts.discriminator());
        }
        loadOptimizer(parts.generatorOptimizer(), checkpoint.resolve(parts.optimizerFile()));
        loadOptimizer(parts.discriminatorOptimizer(), checkpoint.resolve("discriminator-optimizer.pt"));
        if (!parts.objectiveParameters().isEmpty()) {
            try (SafetensorsReader reader = SafetensorsReader.open(checkpoint.resolve("objective.safetensors"))) {
                List<Tensor> params = parts.objectiveParameters();
                try (org.bytedeco.pytorch.NoGradGuard noGrad = new org.bytedeco.pytorch.NoGradGuard()) {
                    for (int i = 0; i < params.size(); i++) {
                        params.get(i).copy_(reader.load(Integer.toString(i)));
                    }
                }
            }
        }
        try {
            return JSON.readValue(checkpoint.resolve(STATE).toFile(), TrainingState.class);
        } catch (IOException e) {
            throw new FileAccessException("cannot read " + checkpoint.resolve(STATE) + ": " + e.getMessage(), e);
        }
    }

    private static void loadWeights(Path file, Module module) {
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            StateDict.load(module, TensorSource.of(reader), true, file.toString());
        }
    }

    private static void saveOptimizer(Optimizer optimizer, Path file) {
        if (optimizer != null) {
            AtomicFiles.write(file, OptimizerArchives.serialize(optimizer));
        }
    }

    private static void loadOptimizer(Optimizer optimizer, Path file) {
        if (optimizer != null) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("checkpoint lacks optimizer state " + file);
            }
            try {
                OptimizerArchives.deserialize(optimizer, Files.readAllBytes(file), file);
            } catch (IOException e) {
                throw new FileAccessException("cannot read optimizer state " + file + ": " + e.getMessage(), e);
            }
        }
    }

    private static Map<String, Tensor> indexed(List<Tensor> tensors) {
        Map<String, Tensor> named = new java.util.LinkedHashMap<>();
        for (int i = 0; i < tensors.size(); i++) {
            named.put(Integer.toString(i), tensors.get(i).detach());
        }
        return named;
    }

    private static List<Path> complete(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> p.getFileName().toString().startsWith(PREFIX))
                    .filter(p -> Files.isRegularFile(p.resolve(STATE)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new FileAccessException("cannot list checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    private void prune() {
        List<Path> all = new ArrayList<>(complete(root));
        for (int i = 0; i < all.size() - keep; i++) {
            try {
                deleteRecursively(all.get(i));
            } catch (IOException e) {
                LOG.warn("cannot delete old checkpoint {}: {}", all.get(i), e.getMessage());
            }
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
