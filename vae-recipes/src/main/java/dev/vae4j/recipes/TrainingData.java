package dev.vae4j.recipes;

import dev.vae4j.core.io.ImageReadException;
import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.train.data.AspectBuckets;
import dev.vae4j.train.data.Augmentation;
import dev.vae4j.train.data.BucketedImageDataset;
import dev.vae4j.train.data.EpochOrder;
import dev.vae4j.train.data.ImageArray;
import dev.vae4j.train.data.ImageDataset;
import dev.vae4j.train.data.ImageFiles;
import dev.vae4j.train.data.ImageFolderDataset;
import dev.vae4j.train.data.ImageSourceDataset;
import dev.vae4j.train.data.ShardPattern;
import dev.vae4j.train.data.SyntheticImages;
import dev.vae4j.train.data.WebDatasetShards;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training set and the held-out validation images of a run (with {@code data.buckets}, training images are cut to
 * the aspect bucket nearest their shape, see {@link BucketedImageDataset}; validation stays square): from an image
 * folder, sub-folders included (its last {@code validation.images} files in path order are held out), from WebDataset
 * tar shards (a path or brace pattern ending in {@code .tar}; the last {@code validation.images} samples of the last
 * shards are held out, the rest is visited in WebDataset order: shards shuffled, then a shuffle buffer of
 * {@code data.shuffle_buffer} samples) or, without either, from the built-in synthetic dataset (validation images drawn
 * with another seed).
 *
 * @param train training images, augmented per the recipe
 * @param validation held-out images, centre-cropped at the training size (unreadable ones skipped)
 * @param source a description for the console
 * @param skippedFiles held-out files that could not be read (skipped with a warning)
 */
public record TrainingData(ImageDataset train, List<ImageArray> validation, String source, int skippedFiles) {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingData.class);

    /** Builds the data of {@code recipe} from {@code folder} (null: synthetic). */
    public static TrainingData of(Recipe recipe, Path folder) {
        Recipe.DataSpec data = recipe.data();
        int held = recipe.validation().images();
        long seed = recipe.train().seed();
        if (folder == null) {
            SyntheticImages train = new SyntheticImages(data.syntheticCount(), data.imageSize(), seed, data.flip());
            SyntheticImages validation = new SyntheticImages(held, data.imageSize(), seed + 1_000_003L, false);
            return new TrainingData(
                    train,
                    load(validation),
                    "synthetic (" + data.syntheticCount() + " images, " + data.imageSize() + " px)",
                    0);
        }
        Augmentation augmentation = new Augmentation(
                data.imageSize(), data.randomCrop(), data.flip(), data.rescaleMin(), data.rescaleMax());
        if (ShardPattern.isShardPattern(folder.toString())) {
            return shards(WebDatasetShards.open(folder.toString()), augmentation, recipe, folder);
        }
        List<Path> files = ImageTensors.listImagesRecursively(folder);
        if (files.size() <= held) {
            throw new IllegalArgumentException(folder + " holds " + files.size() + " images; need more than the " + held
                    + " held out for validation");
        }
        ImageDataset train = data.buckets()
                ? new BucketedImageDataset(
                        new ImageFiles(folder),
                        0,
                        files.size() - held,
                        buckets(data),
                        augmentation,
                        EpochOrder.shuffled())
                : new ImageFolderDataset(folder, files.subList(0, files.size() - held), augmentation);
        ImageFolderDataset validation = new ImageFolderDataset(
                folder, files.subList(files.size() - held, files.size()), Augmentation.center(data.imageSize()));
        return heldOut(train, validation, folder, folder + " (" + train.size() + " training, ", "validation images");
    }

    private static AspectBuckets buckets(Recipe.DataSpec data) {
        return AspectBuckets.of(data.imageSize(), data.bucketStep(), data.maxAspect());
    }

    private static TrainingData shards(
            WebDatasetShards shards, Augmentation augmentation, Recipe recipe, Path pattern) {
        int held = recipe.validation().images();
        int count = shards.size() - held;
        if (count <= 0) {
            throw new IllegalArgumentException(pattern + " holds " + shards.size() + " image samples; need more than"
                    + " the " + held + " held out for validation");
        }
        ImageDataset train = recipe.data().buckets()
                ? new BucketedImageDataset(
                        shards,
                        0,
                        count,
                        buckets(recipe.data()),
                        augmentation,
                        ImageSourceDataset.shards(
                                        shards, augmentation, recipe.data().shuffleBuffer(), count)
                                .trainingOrder(1))
                : ImageSourceDataset.shards(shards, augmentation, recipe.data().shuffleBuffer(), count);
        ImageSourceDataset validation = new ImageSourceDataset(
                shards, count, shards.size(), Augmentation.center(recipe.data().imageSize()), EpochOrder.sequential());
        return heldOut(
                train,
                validation,
                pattern,
                pattern + " (" + shards.shards().size() + " shards, " + count + " training, ",
                "validation samples");
    }

    /**
     * The data with the readable images of {@code validation} held out, described as {@code "<source>N <unit>[, K
     * unreadable skipped])"}.
     */
    private static TrainingData heldOut(
            ImageDataset train, ImageDataset validation, Path origin, String source, String unit) {
        List<ImageArray> images = load(validation);
        if (images.isEmpty()) {
            throw new IllegalArgumentException(
                    "none of the " + validation.size() + " held-out images of " + origin + " can be read");
        }
        int skipped = validation.size() - images.size();
        return new TrainingData(
                train,
                images,
                source + images.size() + " " + unit + (skipped > 0 ? ", " + skipped + " unreadable skipped" : "") + ")",
                skipped);
    }

    /** Decodes every image of {@code dataset}; unreadable files are skipped with a warning. */
    private static List<ImageArray> load(ImageDataset dataset) {
        List<ImageArray> images = new ArrayList<>();
        for (int i = 0; i < dataset.size(); i++) {
            try {
                images.add(dataset.get(i, new SplittableRandom(i)));
            } catch (ImageReadException e) {
                LOG.warn("skipping unreadable held-out image {}: {}", dataset.describe(i), e.getMessage());
            }
        }
        return images;
    }
}
