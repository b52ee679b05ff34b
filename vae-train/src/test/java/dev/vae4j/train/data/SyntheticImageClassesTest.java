package dev.vae4j.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The classes of {@link SyntheticImages}: the texture kind, each about a third of the images; the image source serves
 * the same pixels with the label as {@code .cls}.
 */
class SyntheticImageClassesTest {
    @Test
    void theThreeKindsAreAboutEquallyFrequent() {
        SyntheticImages images = new SyntheticImages(900, 16, 11, false);
        int[] counts = new int[3];
        for (int i = 0; i < images.size(); i++) {
            counts[images.label(i)]++;
        }
        for (int count : counts) {
            assertTrue(count > 240 && count < 360, Arrays.toString(counts));
        }
        assertEquals(SyntheticImages.CLASS_NAMES, images.classNames());
    }

    @Property(tries = 20)
    void theSourceServesTheRenderedImageAndItsLabel(
            @ForAll @IntRange(min = 0, max = 49) int index, @ForAll @IntRange(min = 8, max = 40) int size) {
        SyntheticImages images = new SyntheticImages(50, size, index * 7L, false);
        ImageSource source = images.asSource();
        assertEquals(50, source.size());
        assertEquals(Integer.toString(images.label(index)), source.cls(index));
        assertEquals(new dev.vae4j.core.io.ImageTensors.Size(size, size), source.dimensions(index));
        BufferedImage a = source.read(index);
        BufferedImage b = images.render(index);
        assertArrayEquals(a.getRGB(0, 0, size, size, null, 0, size), b.getRGB(0, 0, size, size, null, 0, size));
    }
}
