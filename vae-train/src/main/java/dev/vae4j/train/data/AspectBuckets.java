package dev.vae4j.train.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Aspect-ratio buckets in the manner of SDXL: a list of shapes of about the same area (resolution²), every side a
 * multiple of {@code step}, from tall to wide, with aspect ratios up to {@code maxAspect}; each image goes to the
 * bucket whose aspect ratio is nearest to its own (in log ratio), then is resized to cover it and cropped
 * ({@link ResizeCrop}). For resolution 1024, step 64 and aspect 4 this gives SDXL's list (512x2048 ... 1024x1024 ...
 * 2048x512) up to rounding.
 */
public final class AspectBuckets {
    private final List<Bucket> buckets;

    /**
     * One bucket shape.
     *
     * @param width px
     * @param height px
     */
    public record Bucket(int width, int height) {
        /** {@code WxH}. */
        @Override
        public String toString() {
            return width + "x" + height;
        }
    }

    private AspectBuckets(List<Bucket> buckets) {
        this.buckets = List.copyOf(buckets);
    }

    /**
     * The buckets for {@code resolution}: for every height h = step, 2 step, ... the widest width w (a multiple of
     * step) with w * h &lt;= resolution², kept when max(w/h, h/w) &lt;= maxAspect (of two heights with the same width,
     * the larger).
     *
     * @throws IllegalArgumentException if step does not divide resolution or maxAspect &lt; 1
     */
    public static AspectBuckets of(int resolution, int step, double maxAspect) {
        if (step <= 0 || resolution <= 0 || resolution % step != 0 || !(maxAspect >= 1)) {
            throw new IllegalArgumentException("aspect buckets need a resolution that is a positive multiple of the"
                    + " step and a maximum aspect >= 1, got resolution " + resolution + ", step " + step
                    + ", max aspect " + maxAspect);
        }
        long area = (long) resolution * resolution;
        List<Bucket> buckets = new ArrayList<>();
        for (int h = step; (long) h * step <= area; h += step) {
            int w = (int) (area / h / step * step);
            if (Math.max((double) w / h, (double) h / w) > maxAspect + 1e-9) {
                continue;
            }
            if (!buckets.isEmpty() && buckets.get(buckets.size() - 1).width() == w) {
                buckets.remove(buckets.size() - 1); // same width: keep the larger area
            }
            buckets.add(new Bucket(w, h));
        }
        Collections.reverse(buckets);
        return new AspectBuckets(buckets);
    }

    /** The bucket shapes, from the tallest to the widest. */
    public List<Bucket> buckets() {
        return buckets;
    }

    /** The bucket nearest in aspect ratio to a {@code width x height} image (ties: the taller bucket). */
    public Bucket nearest(int width, int height) {
        double aspect = Math.log((double) width / height);
        Bucket best = buckets.get(0);
        for (Bucket b : buckets) {
            if (Math.abs(Math.log((double) b.width() / b.height()) - aspect)
                    < Math.abs(Math.log((double) best.width() / best.height()) - aspect) - 1e-12) {
                best = b;
            }
        }
        return best;
    }
}
