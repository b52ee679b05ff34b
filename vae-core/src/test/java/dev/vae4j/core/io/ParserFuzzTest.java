package dev.vae4j.core.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.model.ConfigFormatException;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzz targets for the parsers of untrusted bytes in {@code io} and {@code model}: safetensors files, images and
 * model configs (pickles and torch.save checkpoints: {@code TorchParserFuzzTest}). Each target accepts the documented
 * failure of its parser (a format exception naming the problem); anything else (another exception, an error, a hang, a
 * crash) is a finding.
 *
 * <p>Without {@code JAZZER_FUZZ} (the normal test run) each target replays its committed regression inputs from
 * {@code src/test/resources/dev/vae4j/core/io/ParserFuzzTestInputs/<target>/} in seconds. A campaign on one target
 * (findings are added to that folder) is documented in the README ("Fuzzing").
 */
class ParserFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Fuzzed images stay small so a campaign explores formats, not memory. */
    private static final String FUZZ_PIXEL_LIMIT = "4000000";

    private static Path scratch(String name, byte[] data) throws IOException {
        Path file = Files.createTempFile("vae4j-fuzz-", "-" + name);
        Files.write(file, data);
        return file;
    }

    @FuzzTest(maxDuration = "10m")
    void safetensors(byte[] data) throws IOException {
        Path file = scratch("t.safetensors", data);
        try (TensorScope scope = new TensorScope();
                SafetensorsReader reader = SafetensorsReader.open(file)) {
            reader.metadata();
            for (String name : reader.names()) {
                reader.load(name);
            }
        } catch (SafetensorsFormatException | FileAccessException expected) {
            // a clear error naming the file and the problem
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void image(byte[] data) throws IOException {
        Path file = scratch("i.img", data);
        String previous = System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, FUZZ_PIXEL_LIMIT);
        try {
            ImageTensors.size(file);
            ImageTensors.pixels(ImageTensors.readImage(file), 3);
        } catch (ImageReadException expected) {
            // unreadable, unsupported or too large, naming the file
        } finally {
            if (previous == null) {
                System.clearProperty(ImageDecoder.MAX_PIXELS_PROPERTY);
            } else {
                System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, previous);
            }
            Files.deleteIfExists(file);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void modelConfig(byte[] data) {
        try {
            AutoencoderKLConfig config =
                    AutoencoderKLConfig.fromConfig(ModelConfig.parse(new String(data, StandardCharsets.UTF_8)));
            AutoencoderKLConfig.fromConfig(config.toConfig());
        } catch (ConfigFormatException expected) {
            // a clear error naming the key (or saying the bytes are not a JSON object)
        }
    }
}
