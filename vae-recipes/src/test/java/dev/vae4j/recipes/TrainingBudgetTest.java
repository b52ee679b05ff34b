package dev.vae4j.recipes;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recipe sizes against a given heap and physical memory (machine-independent). */
class TrainingBudgetTest {
    private static final long GIB = 1L << 30;

    @TempDir
    Path dir;

    /** The micro test recipe with {@code from} replaced by {@code to}. */
    private Recipe micro(String from, String to) throws URISyntaxException, IOException {
        String text = Files.readString(Path.of(
                TrainingBudgetTest.class.getResource("/recipes/micro.yaml").toURI()));
        assertTrue(text.contains(from), from);
        Path file =
                Files.writeString(dir.resolve(Integer.toHexString(to.hashCode()) + ".yaml"), text.replace(from, to));
        return Recipe.load(file.toString());
    }

    @Test
    void aHugeSyntheticCountDoesNotFitTheHeap() throws URISyntaxException, IOException {
        new TrainingBudget(4 * GIB, 16 * GIB).check(micro("synthetic_count: 64", "synthetic_count: 64"), true);
        Recipe huge = micro("synthetic_count: 64", "synthetic_count: 2000000000");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> new TrainingBudget(4 * GIB, 16 * GIB).check(huge, true));
        assertTrue(e.getMessage().contains("data.synthetic_count 2,000,000,000"), e.getMessage());
        new TrainingBudget(4 * GIB, 16 * GIB).check(huge, false); // an image folder: the count is unused
    }

    @Test
    void aBatchOfLargeImagesDoesNotFitTheMachine() throws URISyntaxException, IOException {
        Recipe big = micro("image_size: 16", "image_size: 4096");
        Recipe batch64 = big.withTrain(
                big.train().toBuilder().steps(10).batchSize(64).device("cpu").build());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> new TrainingBudget(1024 * GIB, 16 * GIB).check(batch64, true));
        assertTrue(
                e.getMessage().contains("per training step") && e.getMessage().contains("train.batch_size 64"),
                e.getMessage());
    }
}
