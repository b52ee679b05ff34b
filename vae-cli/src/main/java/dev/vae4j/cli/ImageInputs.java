package dev.vae4j.cli;

import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.core.model.Autoencoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The image files named by a command's {@code --input} (one image file, or the images of a folder sorted by name), with
 * their sizes read from the file headers so that problems (unreadable files, sizes the model cannot take, mixed sizes)
 * are reported before any work is done, naming the file at fault.
 */
final class ImageInputs {
    private final Path input;
    private final boolean folder;
    private final List<Path> files;
    private final List<ImageTensors.Size> sizes;

    private ImageInputs(Path input, boolean folder, List<Path> files, List<ImageTensors.Size> sizes) {
        this.input = input;
        this.folder = folder;
        this.files = files;
        this.sizes = sizes;
    }

    /**
     * Resolves {@code input} (an image file or a folder of images) and reads every image's size.
     *
     * @throws IllegalArgumentException if the path does not exist or a folder holds no images
     * @throws dev.vae4j.core.io.ImageReadException if an image's header cannot be read
     */
    static ImageInputs resolve(Path input) {
        if (!Files.exists(input)) {
            throw new IllegalArgumentException("input " + input + " does not exist");
        }
        boolean folder = Files.isDirectory(input);
        List<Path> files;
        if (folder) {
            files = ImageTensors.listImages(input);
            if (files.isEmpty()) {
                throw new IllegalArgumentException(
                        "input folder " + input + " holds no image files (" + String.join(", ", extensions()) + ")");
            }
        } else {
            files = List.of(input);
        }
        List<ImageTensors.Size> sizes = new ArrayList<>(files.size());
        for (Path file : files) {
            sizes.add(ImageTensors.size(file));
        }
        return new ImageInputs(input, folder, files, sizes);
    }

    private static List<String> extensions() {
        return ImageTensors.EXTENSIONS.stream().sorted().map(e -> "." + e).toList();
    }

    /** The path given as input. */
    Path input() {
        return input;
    }

    /** Whether the input is a folder. */
    boolean isFolder() {
        return folder;
    }

    /** The image files, in processing order. */
    List<Path> files() {
        return files;
    }

    /** Number of images. */
    int count() {
        return files.size();
    }

    /** Size of image {@code i}. */
    ImageTensors.Size size(int i) {
        return sizes.get(i);
    }

    /** The file names (last path element) of the images. */
    List<String> names() {
        return files.stream().map(p -> p.getFileName().toString()).toList();
    }

    /** The model's image channels, if images can be read for it (1 or 3). */
    static int channels(Autoencoder model) {
        int channels = model.imageChannels();
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("the model takes " + channels + "-channel images; image files can"
                    + " be read as 1 (grayscale) or 3 (RGB) channels only: pass a .safetensors file of images");
        }
        return channels;
    }

    /**
     * Checks that every image's sides are multiples of the model's downsampling factor.
     *
     * @throws IllegalArgumentException naming the first image that is not
     */
    void requireDivisible(int factor) {
        for (int i = 0; i < files.size(); i++) {
            ImageTensors.Size s = sizes.get(i);
            if (s.width() % factor != 0 || s.height() % factor != 0) {
                throw new IllegalArgumentException(String.format(
                        Locale.ROOT,
                        "image %s is %s px: width and height must be multiples of %d, the model's downsampling"
                                + " factor",
                        files.get(i),
                        s,
                        factor));
            }
        }
    }

    /**
     * Checks that all images have the size of the first.
     *
     * @throws IllegalArgumentException naming the first image of another size
     */
    void requireSameSize() {
        for (int i = 1; i < files.size(); i++) {
            if (!sizes.get(i).equals(sizes.get(0))) {
                throw new IllegalArgumentException("image " + files.get(i) + " is " + sizes.get(i) + " px but "
                        + files.get(0) + " is " + sizes.get(0) + " px; all input images must have the same size");
            }
        }
    }

    /**
     * Splits the images into batches of at most {@code batchSize} consecutive images of one size.
     *
     * @return lists of indices into {@link #files()}
     */
    List<List<Integer>> batches(int batchSize) {
        List<List<Integer>> batches = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            if (!current.isEmpty()
                    && (current.size() == batchSize || !sizes.get(i).equals(sizes.get(current.get(0))))) {
                batches.add(current);
                current = new ArrayList<>();
            }
            current.add(i);
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        return batches;
    }

    /** The files of a batch. */
    List<Path> files(List<Integer> batch) {
        return batch.stream().map(files::get).toList();
    }
}
