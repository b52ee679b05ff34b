package dev.vae4j.recipes;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Checks a recipe's sizes against what this machine can hold before anything is allocated, so that {@code image_size:
 * 100000} or a huge {@code synthetic_count} is a clear error naming the key rather than an {@code OutOfMemoryError}
 * minutes later. The estimates are lower bounds (what must exist at once, whatever the model), so a recipe that fails
 * them cannot run here:
 *
 * <ul>
 *   <li>an image of {@code image_size}^2 RGB pixels must fit in one Java float array;
 *   <li>on the JVM heap: the held-out validation images plus the training batches in flight (the loader decodes up to
 *       {@value #BATCHES_IN_FLIGHT} batches ahead), and for the synthetic dataset the sampler's epoch order (4 bytes
 *       per image);
 *   <li>in native memory: one training step's input, reconstruction and their gradients ({@value #STEP_TENSORS}
 *       image-sized float tensors per batch), within the machine's physical memory.
 * </ul>
 */
public final class TrainingBudget {
    /** Batches decoded ahead by the loader plus the one being assembled and the one in use. */
    static final int BATCHES_IN_FLIGHT = 6;
    /** Image-sized float tensors one step certainly holds: input, reconstruction and their gradients. */
    static final int STEP_TENSORS = 4;

    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final long heapBytes;
    private final long physicalBytes;

    /**
     * @param heapBytes the JVM's maximum heap ({@code Runtime.maxMemory()})
     * @param physicalBytes the machine's physical memory
     */
    TrainingBudget(long heapBytes, long physicalBytes) {
        this.heapBytes = heapBytes;
        this.physicalBytes = physicalBytes;
    }

    /** The budget of this JVM on this machine. */
    public static TrainingBudget ofThisMachine() {
        long physical = Long.MAX_VALUE;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
            physical = os.getTotalMemorySize();
        }
        return new TrainingBudget(Runtime.getRuntime().maxMemory(), physical);
    }

    /**
     * Checks the recipe's {@code data.image_size}, {@code data.synthetic_count}, {@code train.batch_size} and
     * {@code validation.images}.
     *
     * @param synthetic whether the run trains on the synthetic dataset ({@code data.synthetic_count} images)
     * @throws IllegalArgumentException naming the key and the memory it needs against what there is
     */
    public void check(Recipe recipe, boolean synthetic) {
        long size = recipe.data().imageSize();
        long batch = recipe.train().batchSize();
        long held = Math.max(0, recipe.validation().images());
        if (size < 8) {
            throw new IllegalArgumentException("recipe data.image_size must be at least 8, got " + size);
        }
        long imageFloats = 3 * size * size;
        if (imageFloats > MAX_ARRAY) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "recipe data.image_size %d is too large:"
                            + " a %dx%d RGB image has %,d values, more than one Java array holds (%,d); use at most %d",
                    size,
                    size,
                    size,
                    imageFloats,
                    MAX_ARRAY,
                    (long) Math.sqrt(MAX_ARRAY / 3.0)));
        }
        long imageBytes = 4 * imageFloats;
        long datasetSize = synthetic ? recipe.data().syntheticCount() : 0;
        long heapNeed =
                saturatingAdd(saturatingMultiply(held + BATCHES_IN_FLIGHT * batch, imageBytes), 4 * datasetSize);
        if (heapNeed > heapBytes) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "recipe needs at least %s of Java heap"
                            + " (data.image_size %d, train.batch_size %d, validation.images %d,"
                            + " data.synthetic_count %s) but"
                            + " the JVM may use %s: lower them or raise -Xmx (VAE_JAVA_OPTS)",
                    gib(heapNeed),
                    size,
                    batch,
                    held,
                    synthetic ? String.format(Locale.ROOT, "%,d", datasetSize) : "unused",
                    gib(heapBytes)));
        }
        long nativeNeed = saturatingMultiply(STEP_TENSORS * batch, imageBytes);
        if (nativeNeed > physicalBytes) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "recipe needs at least %s of memory per"
                            + " training step (data.image_size %d, train.batch_size %d) but this machine has %s",
                    gib(nativeNeed),
                    size,
                    batch,
                    gib(physicalBytes)));
        }
    }

    private static long saturatingMultiply(long a, long b) {
        long r = a * b;
        return (a != 0 && (r / a != b || r < 0)) ? Long.MAX_VALUE : r;
    }

    private static long saturatingAdd(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    private static String gib(long bytes) {
        return bytes == Long.MAX_VALUE
                ? "more than 8 EiB"
                : String.format(Locale.ROOT, "%.1f GiB", bytes / 1073741824.0);
    }
}
