package dev.vae4j.train.data;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.ImageTensors;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A folder of class sub-folders read as torchvision's {@code ImageFolder} does: the classes are the immediate
 * sub-folders (hidden ones included), sorted by name, a class's index is its position; a class's images are those of
 * its folder and of the folders below it (walked in sorted path order, symbolic links followed), each folder's files
 * sorted by name (hidden files skipped, as {@link ImageTensors#listImages}). Images directly in the root are refused
 * (torchvision ignores them silently), as is a class without images (torchvision refuses it too).
 */
public final class ImageClassFolders implements ImageClasses {
    private final List<String> classNames;
    private final ImageFiles images;
    private final int[] labels;

    private ImageClassFolders(List<String> classNames, ImageFiles images, int[] labels) {
        this.classNames = classNames;
        this.images = images;
        this.labels = labels;
    }

    /**
     * Lists the classes and images of {@code root}.
     *
     * @throws IllegalArgumentException if {@code root} is not a folder, has no sub-folders, holds images directly
     *     (naming up to three), or a class folder holds no image
     * @throws FileAccessException if a folder cannot be listed
     */
    public static ImageClassFolders open(Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException(root + " is not a folder of class sub-folders");
        }
        List<Path> rootImages = new ArrayList<>();
        List<Path> classFolders = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry)) {
                    classFolders.add(entry);
                } else if (ImageTensors.isImageFile(entry)) {
                    rootImages.add(entry);
                }
            }
        } catch (IOException e) {
            throw new FileAccessException("cannot list " + root, e);
        }
        if (!rootImages.isEmpty()) {
            rootImages.sort(Comparator.comparing(p -> p.getFileName().toString()));
            throw new IllegalArgumentException(rootImages.size() + " image(s) directly in " + root + " ("
                    + String.join(
                            ", ",
                            rootImages.stream()
                                    .limit(3)
                                    .map(p -> p.getFileName().toString())
                                    .toList())
                    + (rootImages.size() > 3 ? ", ..." : "")
                    + "): with class labels from folders every image must be in a class sub-folder");
        }
        if (classFolders.isEmpty()) {
            throw new IllegalArgumentException(root + " has no class sub-folders");
        }
        classFolders.sort(Comparator.comparing(p -> p.getFileName().toString()));
        List<String> names = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path classFolder : classFolders) {
            List<Path> classImages = classImages(classFolder);
            if (classImages.isEmpty()) {
                throw new IllegalArgumentException("class folder " + classFolder + " holds no image (PNG, JPEG, BMP,"
                        + " GIF); remove it or add images");
            }
            for (Path image : classImages) {
                files.add(image);
                labels.add(names.size());
            }
            names.add(classFolder.getFileName().toString());
        }
        return new ImageClassFolders(
                List.copyOf(names),
                new ImageFiles(root, files),
                labels.stream().mapToInt(Integer::intValue).toArray());
    }

    private static List<Path> classImages(Path classFolder) {
        try (Stream<Path> walk = Files.walk(classFolder, FileVisitOption.FOLLOW_LINKS)) {
            List<Path> folders = walk.filter(Files::isDirectory)
                    .sorted(Comparator.comparing(Path::toString))
                    .toList();
            List<Path> images = new ArrayList<>();
            for (Path folder : folders) {
                images.addAll(ImageTensors.listImages(folder));
            }
            return images;
        } catch (IOException e) {
            throw new FileAccessException("cannot list " + classFolder, e);
        }
    }

    /** The class names (sub-folder names), sorted; a label is an index into this list. */
    @Override
    public List<String> classNames() {
        return classNames;
    }

    /** The images of every class, class by class ({@link ImageFiles}; keys are {@code class/name}). */
    public ImageSource images() {
        return images;
    }

    /** The class index of image {@code index} of {@link #images()}. */
    @Override
    public int label(int index) {
        return labels[index];
    }
}
