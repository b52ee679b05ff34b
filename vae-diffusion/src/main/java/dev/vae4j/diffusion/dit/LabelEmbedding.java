package dev.vae4j.diffusion.dit;

import org.bytedeco.pytorch.EmbeddingImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code LabelEmbedding(num_classes, D, dropout_prob=0.1)}: a table {@code embedding_table} of
 * {@code num_classes + 1} rows, the last being the null class that class dropout ({@code token_drop}) substitutes.
 * Labels (N) int64 -> (N, D).
 */
final class LabelEmbedding extends Module {
    private final EmbeddingImpl table;
    private final long nullClass;

    LabelEmbedding(int numClasses, int dim) {
        nullClass = numClasses;
        table = register_module("embedding_table", new EmbeddingImpl(numClasses + 1L, dim));
    }

    /** The rows of {@code labels} after {@code noise}'s class dropout. */
    Tensor forward(Tensor labels, TrainingNoise noise) {
        return table.forward(noise.dropLabels(labels, nullClass));
    }
}
