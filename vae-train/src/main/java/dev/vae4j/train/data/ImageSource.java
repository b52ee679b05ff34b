package dev.vae4j.train.data;

import java.awt.image.BufferedImage;

/**
 * An indexed collection of encoded images with a stable key each and optional text carried along (a caption and a JSON
 * document): an image folder ({@link ImageFiles}) or WebDataset tar shards ({@link WebDatasetShards}). Reads are
 * thread-safe, so several decoding threads can share one source.
 */
public interface ImageSource {
    /** Number of samples. */
    int size();

    /** Sample {@code index}'s key: unique within the source, stable across runs (a file path without extension). */
    String key(int index);

    /**
     * Decodes sample {@code index}'s image.
     *
     * @throws dev.vae4j.core.io.ImageReadException if it cannot be read or decoded
     */
    BufferedImage read(int index);

    /**
     * Sample {@code index}'s image size from its header, without decoding the pixels.
     *
     * @throws dev.vae4j.core.io.ImageReadException if it cannot be read
     */
    dev.vae4j.core.io.ImageTensors.Size dimensions(int index);

    /** The sample's caption (its {@code .txt}), or null when it has none. */
    String caption(int index);

    /** The sample's {@code .json} document as text, or null when it has none. */
    String json(int index);

    /** The sample's {@code .cls} text (WebDataset's class-index entry), or null when it has none (the default). */
    default String cls(int index) {
        return null;
    }

    /** Where sample {@code index} comes from, for warnings (a file name, or shard and entry name). */
    String describe(int index);

    /**
     * One line telling sample {@code index}'s bytes apart from other bytes without reading them, for the input list a
     * latent cache records: {@link #describe} plus whatever the source knows cheaply (size, modification time). The
     * default is {@link #describe}.
     */
    default String identity(int index) {
        return describe(index);
    }
}
