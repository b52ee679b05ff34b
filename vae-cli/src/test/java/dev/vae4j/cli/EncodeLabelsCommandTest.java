package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae encode --labels}: {@code folders} records the sorted class list in the index, {@code json:KEY} reads
 * sibling {@code .json} files of a flat folder, {@code synthetic} labels the built-in images ({@code --input
 * synthetic:N}) with their texture kinds; a resume with another label mode, an unknown mode and images directly in the
 * root are one-line errors.
 */
class EncodeLabelsCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String[] encode(Path model, Path input, Path cache, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "encode", "-m", model.toString(), "-i", input.toString(), "-o", cache + "/", "--resolution", "16"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void folderLabelsReachTheIndexAndAnotherModeIsRefusedOnResume(@TempDir Path dir) throws IOException {
        Path model = CliTestSupport.saveTestModel(dir.resolve("model"));
        Path images = dir.resolve("images");
        for (String name : List.of("zebra", "ant")) {
            Files.createDirectories(images.resolve(name));
            for (int i = 0; i < 3; i++) {
                CliTestSupport.writeImage(images.resolve(name).resolve(i + ".png"), 16, 16, name.length() + i);
            }
        }
        Path cache = dir.resolve("cache");
        CliTestSupport.run(encode(model, images, cache, "--labels", "folders", "--shard-size", "4"))
                .assertOk();
        JsonNode index = JSON.readTree(cache.resolve("index.json").toFile());
        assertEquals("folders", index.get("labels").asText());
        assertEquals("[\"ant\",\"zebra\"]", index.get("classes").toString());
        assertEquals(4, index.get("channel_mean").size());
        assertEquals(4, index.get("channel_std").size());

        Path flat = Files.createDirectories(dir.resolve("flat"));
        for (int i = 0; i < 3; i++) {
            CliTestSupport.writeImage(flat.resolve(i + ".png"), 16, 16, i);
            Files.writeString(flat.resolve(i + ".json"), "{\"label\": " + (7 - i) + "}");
        }
        Path jsonCache = dir.resolve("json-cache");
        CliTestSupport.run(encode(model, flat, jsonCache, "--labels", "json:label"))
                .assertOk();
        assertEquals(
                "json:label",
                JSON.readTree(jsonCache.resolve("index.json").toFile())
                        .get("labels")
                        .asText());
        CliTestSupport.run(encode(model, flat, jsonCache, "--resume"))
                .assertOneLineError("label mode differs (json:label recorded, none now)");
        CliTestSupport.run(encode(model, images, dir.resolve("other"), "--labels", "classes"))
                .assertOneLineError("--labels must be 'folders', 'synthetic' or 'json:KEY', got 'classes'");
        CliTestSupport.writeImage(images.resolve("stray.png"), 16, 16, 9);
        CliTestSupport.run(encode(model, images, dir.resolve("third"), "--labels", "folders"))
                .assertOneLineError("image(s) directly in", "stray.png");
        assertTrue(Files.notExists(dir.resolve("third").resolve("index.json")));
    }

    @Test
    void theBuiltInImagesCarryTheirTextureKinds(@TempDir Path dir) throws IOException {
        Path model = CliTestSupport.saveTestModel(dir.resolve("model"));
        Path cache = dir.resolve("cache");
        CliTestSupport.run(encode(model, Path.of("synthetic:5:2"), cache, "--labels", "synthetic"))
                .assertOk();
        JsonNode index = JSON.readTree(cache.resolve("index.json").toFile());
        assertEquals("synthetic", index.get("labels").asText());
        assertEquals(
                "[\"plain\",\"stripes\",\"checkers\"]", index.get("classes").toString());
        CliTestSupport.run(encode(model, Path.of("synthetic:0"), dir.resolve("none"), "--labels", "synthetic"))
                .assertOneLineError("synthetic:COUNT or synthetic:COUNT:SEED");
        CliTestSupport.run(encode(model, Path.of("synthetic:4"), dir.resolve("other"), "--labels", "folders"))
                .assertOneLineError("takes --labels synthetic or none, got --labels folders");
        CliTestSupport.run(encode(model, dir, dir.resolve("third"), "--labels", "synthetic"))
                .assertOneLineError("--labels synthetic needs the built-in images");
    }
}
