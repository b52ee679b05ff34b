package dev.vae4j.cli.bench;

import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.randn;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.data.ImageArray;
import dev.vae4j.train.data.ImageDataset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;

/**
 * A dataset of images rendered once: {@code get} returns the same arrays every epoch, without augmentation. A training
 * benchmark stepping the {@link dev.vae4j.train.Trainer} over it times the step (the batch copy across JNI, forward,
 * losses, backward, optimizers) and not image rendering or decoding, as {@code tools/reference/bench.py} steps one
 * fixed tensor.
 */
final class FixedImages implements ImageDataset {
    private final List<ImageArray> images;

    private FixedImages(List<ImageArray> images) {
        this.images = images;
    }

    /**
     * {@code count} images of 3 x {@code size} x {@code size} samples, the tanh of a seeded standard normal (in [-1,
     * 1]), as bench.py's training inputs.
     */
    static FixedImages tanhNormal(int count, int size, long seed) {
        int per = 3 * size * size;
        float[] all = new float[Math.multiplyExact(count, per)];
        try (TensorScope scope = new TensorScope()) {
            Tensor samples = randn(
                            new long[] {count, 3, size, size},
                            new GeneratorOptional(createCPUGenerator(seed)),
                            new TensorOptions())
                    .tanh();
            samples.data_ptr_float().get(all);
        }
        List<ImageArray> images = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            float[] data = new float[per];
            System.arraycopy(all, i * per, data, 0, per);
            images.add(new ImageArray(3, size, size, data));
        }
        return new FixedImages(List.copyOf(images));
    }

    @Override
    public int size() {
        return images.size();
    }

    @Override
    public ImageArray get(int index, SplittableRandom random) {
        return images.get(index);
    }

    @Override
    public String describe(int index) {
        return "fixed image " + index;
    }
}
