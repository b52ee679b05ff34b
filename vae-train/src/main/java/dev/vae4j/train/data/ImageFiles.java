package dev.vae4j.train.data;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.ImageTensors;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The images of a folder as an {@link ImageSource}: files with an image extension, sub-folders included, in path order
 * (as {@link ImageTensors#listImagesRecursively}), key = relative path without extension (the file name for a flat
 * folder), caption = the text of a sibling {@code <name>.txt} and JSON = a sibling {@code <name>.json} when present
 * (the layout of many caption datasets).
 */
public final class ImageFiles implements ImageSource {
    private final Path folder;
    private final List<Path> files;

    /**
     * @throws IllegalArgumentException if the folder holds no image files
     * @throws dev.vae4j.core.io.ImageReadException if it cannot be listed
     */
    public ImageFiles(Path folder) {
        this.folder = folder;
        this.files = ImageTensors.listImagesRecursively(folder);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no images (PNG, JPEG, BMP, GIF) in " + folder + " or its sub-folders");
        }
    }

    /** The given image files under {@code folder}, in this order (keys are their relative paths). */
    ImageFiles(Path folder, List<Path> files) {
        this.folder = folder;
        this.files = List.copyOf(files);
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public String key(int index) {
        Path file = files.get(index);
        Path parent = folder.relativize(file).getParent();
        return parent == null ? stem(file) : parent.resolve(stem(file)).toString();
    }

    @Override
    public BufferedImage read(int index) {
        return ImageTensors.readImage(files.get(index));
    }

    @Override
    public ImageTensors.Size dimensions(int index) {
        return ImageTensors.size(files.get(index));
    }

    @Override
    public String caption(int index) {
        return sibling(index, ".txt");
    }

    @Override
    public String json(int index) {
        return sibling(index, ".json");
    }

    @Override
    public String describe(int index) {
        return folder.relativize(files.get(index)).toString();
    }

    /** The relative path, the size in bytes and the modification time in milliseconds, tab-separated. */
    @Override
    public String identity(int index) {
        Path file = files.get(index);
        try {
            return describe(index) + "\t" + Files.size(file) + "\t"
                    + Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new FileAccessException("cannot read the size and time of " + file, e);
        }
    }

    private String sibling(int index, String extension) {
        Path file = files.get(index).resolveSibling(stem(files.get(index)) + extension);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new FileAccessException("cannot read " + file, e);
        }
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
