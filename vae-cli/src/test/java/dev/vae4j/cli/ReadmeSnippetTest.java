package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's Java snippet and {@code tools/consumer}'s {@code ReadmeSnippet}, which CI compiles and runs against the
 * installed artifacts, hold the same lines: the imports, then the statements between the snippet markers.
 */
class ReadmeSnippetTest {
    private static final Path ROOT = Path.of("..");

    @Test
    void theConsumerHoldsTheReadmeSnippetVerbatim() throws IOException {
        Matcher block = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL)
                .matcher(Files.readString(ROOT.resolve("README.md")));
        assertTrue(block.find(), "README.md has no java code block");
        List<String> snippet = block.group(1).lines().toList();
        List<String> imports =
                snippet.stream().filter(l -> l.startsWith("import ")).toList();
        List<String> statements = snippet.subList(imports.size(), snippet.size()).stream()
                .dropWhile(String::isEmpty)
                .toList();

        List<String> consumer =
                Files.readAllLines(ROOT.resolve("tools/consumer/src/main/java/example/consumer/ReadmeSnippet.java"));
        assertEquals(
                imports, consumer.stream().filter(l -> l.startsWith("import ")).toList());
        int begin = consumer.indexOf("// ---- README snippet: begin");
        int end = consumer.indexOf("// ---- README snippet: end");
        assertTrue(begin >= 0 && end > begin, "snippet markers missing from ReadmeSnippet.java");
        assertEquals(statements, consumer.subList(begin + 1, end));
    }
}
