package dev.vae4j.eval;

import dev.vae4j.core.io.ImageTensors;
import dev.vae4j.train.data.Augmentation;
import dev.vae4j.train.data.ImageFolderDataset;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The images an evaluation runs on: the first {@code limit} images (in path order) of a folder and its sub-folders,
 * each resized so its shorter side is {@code size} and centre-cropped to {@code size} x {@code size} (deterministic).
 *
 * @param folder the image folder
 * @param size the square evaluation resolution, pixels
 * @param dataset the selected images
 */
public record EvaluationSet(Path folder, int size, ImageFolderDataset dataset) {

    /**
     * Selects the images.
     *
     * @param limit at most this many images (null: all)
     * @throws IllegalArgumentException if the folder does not exist, holds no images, or {@code limit} or {@code size}
     *     is below 1
     */
    public static EvaluationSet of(Path folder, int size, Integer limit) {
        if (size < 1 || (limit != null && limit < 1)) {
            throw new IllegalArgumentException(
                    "evaluation size and image limit must be at least 1, got size " + size + " and limit " + limit);
        }
        List<Path> files = ImageTensors.listImagesRecursively(folder);
        if (limit != null && limit < files.size()) {
            files = files.subList(0, limit);
        }
        return new EvaluationSet(folder, size, new ImageFolderDataset(folder, files, Augmentation.center(size)));
    }

    /**
     * How many of the images are not already {@code size} x {@code size} and are therefore resized and cropped before
     * encoding (read from the image headers, not the pixels).
     *
     * @throws dev.vae4j.core.io.ImageReadException naming an image whose header cannot be read
     */
    public long imagesResized() {
        return dataset.files().stream()
                .map(ImageTensors::size)
                .filter(s -> s.width() != size || s.height() != size)
                .count();
    }

    /** What rFID reference statistics of this set summarise: absolute folder, size, crop and image count. */
    public Map<String, String> cacheKey() {
        Map<String, String> key = new LinkedHashMap<>();
        key.put("data", folder.toAbsolutePath().normalize().toString());
        key.put("size", Integer.toString(size));
        key.put("crop", "center");
        key.put("images", Integer.toString(dataset.size()));
        return key;
    }
}
