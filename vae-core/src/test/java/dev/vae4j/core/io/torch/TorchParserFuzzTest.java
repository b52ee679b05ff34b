package dev.vae4j.core.io.torch;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzz targets for the PyTorch parsers: the allow-listed unpickler and torch.save checkpoints (zip and legacy).
 * Each target accepts the documented failure of its parser; anything else is a finding. Without {@code JAZZER_FUZZ}
 * each target replays its regression inputs from
 * {@code src/test/resources/dev/vae4j/core/io/torch/TorchParserFuzzTestInputs/<target>/}.
 */
class TorchParserFuzzTest {
    private static Path scratch(String name, byte[] data) throws IOException {
        Path file = Files.createTempFile("vae4j-fuzz-", "-" + name);
        Files.write(file, data);
        return file;
    }

    @FuzzTest(maxDuration = "10m")
    void pickle(byte[] data) {
        try {
            Unpickler.load(data, "fuzz.pkl", persistentId -> persistentId);
        } catch (PyTorchFormatException | UnsafePickleException expected) {
            // malformed or disallowed pickle, reported with its offset
        }
    }

    @FuzzTest(maxDuration = "10m")
    void torchCheckpoint(byte[] data) throws IOException {
        Path file = scratch("c.pt", data);
        try (TensorScope scope = new TensorScope();
                PyTorchCheckpoint checkpoint = PyTorchCheckpoint.open(file)) {
            TensorSource tensors = checkpoint.allTensors();
            for (String name : tensors.names()) {
                tensors.load(name);
            }
        } catch (PyTorchFormatException | UnsafePickleException | FileAccessException expected) {
            // not a well-formed, allowed torch.save file
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
