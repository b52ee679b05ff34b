package dev.vae4j.diffusion.train;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.randn;

import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.LatentDistribution;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.cache.LatentDataset;
import dev.vae4j.train.data.ImageArray;
import dev.vae4j.train.data.ImageDataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Training latents encoded on the fly by a frozen autoencoder, as the MAE-DiT framework's stage-2 trainer does: each
 * batch of images is encoded without gradients, the posterior's mean (mode) or a sample of it is taken and normalised
 * with the autoencoder's {@link Autoencoder#latentNormalizer()}. The image at global position g is augmented with a
 * generator seeded by (seed, g), as the stage-1 data loader does, and its posterior noise is drawn from a CPU generator
 * seeded {@code (seed ^ 0x5DEECE66D) * 1000003 + g}.
 */
public final class EncodedImages implements LatentSource {
    private static final long NOISE_STREAM = 0x5DEECE66DL;

    private final ImageDataset images;
    private final long[] labels;
    private final List<String> classNames;
    private final Autoencoder autoencoder;
    private final LatentDataset.Mode mode;
    private final long seed;
    private final long[] shape;

    /**
     * Latents of {@code images} encoded by {@code autoencoder} (which must already be on the training device).
     *
     * @param labels the class label of every image (non-negative), or null for unlabelled images
     * @param classNames the class names (may be empty)
     * @param mode the posterior mean or a posterior sample
     * @param seed the seed of augmentation and posterior noise
     * @throws IllegalArgumentException if there are no images, or labels that are not one per image
     */
    public EncodedImages(
            ImageDataset images,
            long[] labels,
            List<String> classNames,
            Autoencoder autoencoder,
            LatentDataset.Mode mode,
            long seed) {
        this.images = Objects.requireNonNull(images, "images");
        this.autoencoder = Objects.requireNonNull(autoencoder, "autoencoder");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.classNames = List.copyOf(classNames);
        this.seed = seed;
        if (images.size() == 0) {
            throw new IllegalArgumentException("the image dataset holds no images");
        }
        if (labels != null && labels.length != images.size()) {
            throw new IllegalArgumentException(
                    "got " + labels.length + " labels for " + images.size() + " images: give one per image");
        }
        this.labels = labels == null ? null : labels.clone();
        ImageArray first = images.get(0, new SplittableRandom(seed));
        int f = autoencoder.downsamplingFactor();
        this.shape = new long[] {autoencoder.latentChannels(), first.height() / f, first.width() / f};
    }

    @Override
    public int size() {
        return images.size();
    }

    @Override
    public long[] latentShape() {
        return shape.clone();
    }

    @Override
    public long[] labels() {
        return labels == null ? null : labels.clone();
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public Batch load(int[] indices, long[] positions, String device) {
        Device target = new Device(device);
        List<ImageArray> arrays = new ArrayList<>(indices.length);
        for (int j = 0; j < indices.length; j++) {
            arrays.add(images.get(indices[j], new SplittableRandom(seed * 0x9E3779B97F4A7C15L + positions[j]).split()));
        }
        Tensor latents;
        try (NoGradGuard frozen = new NoGradGuard()) {
            LatentDistribution posterior = autoencoder.encode(ImageArray.toDevice(arrays, target));
            Tensor z =
                    mode == LatentDataset.Mode.MEAN ? posterior.mean() : posterior.sample(noise(posterior, positions));
            latents = autoencoder
                    .latentNormalizer()
                    .normalize(z)
                    .to(ScalarType.Float)
                    .detach();
        }
        Tensor labelTensor = null;
        if (labels != null) {
            long[] picked = new long[indices.length];
            for (int j = 0; j < indices.length; j++) {
                picked[j] = labels[indices[j]];
            }
            labelTensor = torch.tensor(picked).to(target, ScalarType.Long);
        }
        return new Batch(latents, labelTensor);
    }

    private Tensor noise(LatentDistribution posterior, long[] positions) {
        return TensorScope.scoped(() -> {
            long[] row = posterior.mean().sizes().vec().get();
            row[0] = 1;
            TensorVector rows = new TensorVector();
            for (long position : positions) {
                Generator generator = createCPUGenerator((seed ^ NOISE_STREAM) * 1_000_003L + position);
                rows.push_back(randn(row, new GeneratorOptional(generator), new TensorOptions(ScalarType.Float)));
            }
            return cat(rows).to(posterior.mean().device(), posterior.mean().scalar_type());
        });
    }
}
