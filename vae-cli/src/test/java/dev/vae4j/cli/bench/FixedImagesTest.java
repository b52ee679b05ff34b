package dev.vae4j.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.train.data.ImageArray;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The training benchmark's fixed images: rendered once, in (-1, 1), the same array whatever the generator. */
class FixedImagesTest {
    @Test
    void imagesAreRenderedOnceAndDifferFromEachOther() {
        FixedImages images = FixedImages.tanhNormal(3, 8, 0);
        assertEquals(3, images.size());
        ImageArray first = images.get(0, new SplittableRandom(1));
        assertSame(first, images.get(0, new SplittableRandom(2)));
        assertEquals(3, first.channels());
        assertEquals(8, first.height());
        assertEquals(8, first.width());
        for (float v : first.data()) {
            assertTrue(v > -1 && v < 1, "sample " + v + " outside (-1, 1)");
        }
        assertNotEquals(
                Arrays.hashCode(first.data()),
                Arrays.hashCode(images.get(1, new SplittableRandom(1)).data()));
    }

    @Test
    void theSameSeedGivesTheSameImages() {
        assertTrue(Arrays.equals(
                FixedImages.tanhNormal(2, 4, 7).get(1, new SplittableRandom(0)).data(),
                FixedImages.tanhNormal(2, 4, 7).get(1, new SplittableRandom(0)).data()));
    }
}
