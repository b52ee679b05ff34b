package dev.vae4j.train.data;

import dev.vae4j.core.io.ImageTensors;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The images of a folder and its sub-folders (PNG, JPEG, BMP, GIF; in path order), decoded on demand, converted to RGB
 * (grayscale replicated, alpha dropped) and brought to the training resolution by an {@link Augmentation}.
 */
public final class ImageFolderDataset implements ImageDataset {
    private final Path folder;
    private final List<Path> files;
    private final Augmentation augmentation;

    /**
     * @throws IllegalArgumentException if the folder holds no image files
     * @throws dev.vae4j.core.io.ImageReadException if the folder cannot be listed
     */
    public ImageFolderDataset(Path folder, Augmentation augmentation) {
        this(folder, ImageTensors.listImagesRecursively(folder), augmentation);
    }

    /**
     * A dataset over chosen files of {@code folder} (e.g. one side of a train/validation split).
     *
     * @throws IllegalArgumentException if {@code files} is empty
     */
    public ImageFolderDataset(Path folder, List<Path> files, Augmentation augmentation) {
        this.folder = folder;
        this.files = List.copyOf(files);
        this.augmentation = augmentation;
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no images (PNG, JPEG, BMP, GIF) in " + folder + " or its sub-folders");
        }
    }

    /** The image files, in index order. */
    public List<Path> files() {
        return files;
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public ImageArray get(int index, SplittableRandom random) {
        Path file = files.get(index);
        int size = augmentation.size();
        return new ImageArray(
                3, size, size, ImageTensors.pixels(augmentation.apply(ImageTensors.readImage(file), random), 3));
    }

    @Override
    public String describe(int index) {
        return folder.relativize(files.get(index)).toString();
    }
}
