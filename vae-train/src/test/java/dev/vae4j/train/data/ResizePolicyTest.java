package dev.vae4j.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Shorter-side resize + centre/random crop and SDXL-style aspect buckets. */
class ResizePolicyTest {
    @Test
    void sdxlBucketListAt1024() {
        List<AspectBuckets.Bucket> buckets = AspectBuckets.of(1024, 64, 4).buckets();
        assertEquals(new AspectBuckets.Bucket(512, 2048), buckets.get(0));
        assertEquals(new AspectBuckets.Bucket(2048, 512), buckets.get(buckets.size() - 1));
        assertTrue(buckets.contains(new AspectBuckets.Bucket(1024, 1024)));
        assertTrue(buckets.contains(new AspectBuckets.Bucket(832, 1216)), buckets.toString());
        assertTrue(buckets.contains(new AspectBuckets.Bucket(1344, 768)), buckets.toString());
        for (AspectBuckets.Bucket b : buckets) {
            assertTrue(
                    b.width() * b.height() <= 1024 * 1024 && b.width() * b.height() > 0.85 * 1024 * 1024, b.toString());
        }
        assertThrows(IllegalArgumentException.class, () -> AspectBuckets.of(100, 64, 2));
    }

    @Test
    void imagesGoToTheNearestAspect() {
        AspectBuckets buckets = AspectBuckets.of(256, 64, 2);
        assertEquals("256x256", buckets.nearest(500, 490).toString());
        assertEquals("320x192", buckets.nearest(1920, 1080).toString());
        assertEquals("192x320", buckets.nearest(100, 1000).toString()); // 128x512 exceeds aspect 2
    }

    @Property(tries = 40)
    void cropCoversTheTargetInsideTheResizedImage(
            @ForAll @IntRange(min = 1, max = 300) int w,
            @ForAll @IntRange(min = 1, max = 300) int h,
            @ForAll @IntRange(min = 1, max = 64) int tw,
            @ForAll @IntRange(min = 1, max = 64) int th,
            @ForAll long seed) {
        for (SplittableRandom random : new SplittableRandom[] {null, new SplittableRandom(seed)}) {
            ResizeCrop.Placement p = ResizeCrop.plan(w, h, tw, th, 1.0, random);
            assertTrue(
                    p.left() >= 0
                            && p.top() >= 0
                            && p.left() + tw <= p.resizedWidth()
                            && p.top() + th <= p.resizedHeight(),
                    p.toString());
            assertTrue(p.resizedWidth() == tw || p.resizedHeight() == th, "one side fits exactly: " + p);
        }
    }

    @Test
    void centreCropOfAWideImage() {
        BufferedImage image = new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB);
        ResizeCrop.Result r = ResizeCrop.apply(image, 16, 16, 1.0, null);
        assertEquals(new ResizeCrop.Placement(32, 16, 8, 0, 16, 16), r.placement());
        assertEquals(16, r.image().getWidth());
    }
}
