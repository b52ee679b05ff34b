package dev.vae4j.examples.train;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Recipe sizes against a given heap and physical memory (machine-independent). */
class TrainingBudgetTest {
    private static final long GIB = 1L << 30;

    private static Recipe micro() throws URISyntaxException {
        return Recipe.load(Path.of(TrainingBudgetTest.class.getResource("/recipes/micro.yaml").toURI()).toString());
    }

    @Test
    void aHugeSyntheticCountDoesNotFitTheHeap() throws URISyntaxException {
        Recipe micro = micro();
        new TrainingBudget(4 * GIB, 16 * GIB).check(micro, true);
        Recipe huge = new Recipe(micro.name(), micro.description(), micro.model(),
                new Recipe.DataSpec(16, 2_000_000_000, true, true, 1, 1, micro.data().shuffleBuffer()), micro.train(),
                micro.objective(), micro.discriminator(), micro.validation(), micro.evaluation());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainingBudget(4 * GIB, 16 * GIB).check(huge, true));
        assertTrue(e.getMessage().contains("data.synthetic_count 2,000,000,000"), e.getMessage());
        new TrainingBudget(4 * GIB, 16 * GIB).check(huge, false); // an image folder: the count is unused
    }

    @Test
    void aBatchOfLargeImagesDoesNotFitTheMachine() throws URISyntaxException {
        Recipe micro = micro();
        Recipe large = micro.withTrain(micro.train().with(10, 64, "cpu"));
        Recipe big = new Recipe(micro.name(), micro.description(), micro.model(),
                new Recipe.DataSpec(4096, 64, true, true, 1, 1, micro.data().shuffleBuffer()), large.train(),
                micro.objective(), micro.discriminator(), micro.validation(), micro.evaluation());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainingBudget(1024 * GIB, 16 * GIB).check(big, true));
        assertTrue(e.getMessage().contains("per training step") && e.getMessage().contains("train.batch_size 64"),
                e.getMessage());
    }
}
