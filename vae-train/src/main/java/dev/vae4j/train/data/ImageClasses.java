package dev.vae4j.train.data;

import java.util.List;

/**
 * One integer class label per image of a collection, with the class names: what a class-conditional model trains on
 * ({@link ImageClassFolders}: the sub-folder; {@link SyntheticImages}: the texture kind).
 */
public interface ImageClasses {
    /** The class names; a label is an index into this list. */
    List<String> classNames();

    /** The class index of image {@code index}, in [0, {@code classNames().size()}). */
    int label(int index);
}
