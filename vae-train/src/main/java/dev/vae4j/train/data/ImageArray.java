package dev.vae4j.train.data;

import static org.bytedeco.pytorch.global.torch.empty;

import java.util.List;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One image on the Java heap: {@code channels * height * width} float samples in [-1, 1], channel-major (CHW). Data
 * loading works on these so background threads never touch native memory; tensors are made in the consumer's scope by
 * {@link #toBatch(List)}.
 *
 * @param channels C
 * @param height H in pixels
 * @param width W in pixels
 * @param data CHW samples, length C*H*W
 */
public record ImageArray(int channels, int height, int width, float[] data) {
    /** Checks the sample count. */
    public ImageArray {
        if ((long) channels * height * width != data.length) {
            throw new IllegalArgumentException("image array of " + channels + "x" + height + "x" + width + " needs "
                    + (long) channels * height * width + " samples, got " + data.length);
        }
    }

    /** Stacks same-sized images into a float32 CPU tensor (N, C, H, W) (one copy across JNI). */
    public static Tensor toBatch(List<ImageArray> images) {
        return toBatch(images, false);
    }

    /**
     * Stacks same-sized images into a float32 tensor (N, C, H, W) on {@code device}. For a CUDA device the batch is
     * staged in pinned (page-locked) host memory and copied with {@code non_blocking}, so the copy overlaps the
     * computation queued before it; on the CPU it is {@link #toBatch(List)}.
     */
    public static Tensor toDevice(List<ImageArray> images, Device device) {
        if (!device.is_cuda()) {
            return toBatch(images, false);
        }
        return toBatch(images, true).to(device, ScalarType.Float, true, false, new MemoryFormatOptional());
    }

    private static Tensor toBatch(List<ImageArray> images, boolean pinned) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("cannot stack an empty list of images");
        }
        ImageArray first = images.get(0);
        int per = first.data.length;
        float[] all = new float[Math.multiplyExact(per, images.size())];
        for (int i = 0; i < images.size(); i++) {
            ImageArray image = images.get(i);
            if (image.channels != first.channels || image.height != first.height || image.width != first.width) {
                throw new IllegalArgumentException("image " + i + " is " + image.channels + "x" + image.height + "x"
                        + image.width + " but image 0 is " + first.channels + "x" + first.height + "x" + first.width);
            }
            System.arraycopy(image.data, 0, all, i * per, per);
        }
        TensorOptions options = new TensorOptions(ScalarType.Float);
        if (pinned) {
            options = options.pinned_memory(new BoolOptional(true));
        }
        Tensor batch = empty(
                new long[] {images.size(), first.channels, first.height, first.width},
                options,
                new MemoryFormatOptional());
        batch.data_ptr_float().put(all, 0, all.length);
        return batch;
    }
}
