package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vae evaluate} says how many images it resizes, and says nothing when none needs it. */
class EvaluateResizeNoticeTest {
    @Test
    void evaluateSaysWhenItResizes(@TempDir Path tmp) throws IOException {
        Path model = CliTestSupport.saveTestModel(tmp.resolve("model"));
        Path data = Files.createDirectories(tmp.resolve("data"));
        CliTestSupport.writeImage(data.resolve("a.png"), 16, 16, 1);
        CliTestSupport.writeImage(data.resolve("b.png"), 24, 20, 2);
        CliTestSupport.Result result = CliTestSupport.run(
                "evaluate",
                "--model",
                model.toString(),
                "--data",
                data.toString(),
                "--size",
                "16",
                "--output",
                tmp.resolve("eval").toString());
        result.assertOk();
        assertTrue(result.err().contains("evaluate: 1 of 2 image(s) were not 16x16: each was resized"), result.err());
        assertEquals(
                1,
                new ObjectMapper()
                        .readTree(tmp.resolve("eval/eval.json").toFile())
                        .findPath("resized")
                        .asInt());

        CliTestSupport.Result exact = CliTestSupport.run(
                "evaluate",
                "--model",
                model.toString(),
                "--data",
                data.toString(),
                "--size",
                "16",
                "--limit",
                "1",
                "--output",
                tmp.resolve("eval1").toString());
        exact.assertOk();
        assertFalse(exact.err().contains("resized"), exact.err());
    }
}
