package dev.vae4j.diffusion.dit;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code CombinedTimestepLabelEmbeddings}: the conditioning vector (N, D) = timestep MLP of the 256
 * sinusoidal features ({@code timestep_embedder}) + label row ({@code class_embedder}). Its {@code time_proj} has no
 * parameters and is computed by {@link SinCosEmbeddings#timesteps}.
 */
final class CombinedTimestepLabelEmbeddings extends Module {
    private final TimestepEmbedding timestepEmbedder;
    private final LabelEmbedding classEmbedder;

    CombinedTimestepLabelEmbeddings(int numClasses, int dim) {
        timestepEmbedder =
                register_module("timestep_embedder", new TimestepEmbedding(DiTConfig.TIMESTEP_FEATURES, dim));
        classEmbedder = register_module("class_embedder", new LabelEmbedding(numClasses, dim));
    }

    /** Timesteps (N) float and labels (N) int64 -> (N, D); {@code noise} decides the class dropout. */
    Tensor forward(Tensor timesteps, Tensor labels, TrainingNoise noise) {
        Tensor time = timestepEmbedder.forward(SinCosEmbeddings.timesteps(timesteps, DiTConfig.TIMESTEP_FEATURES));
        return time.add(classEmbedder.forward(labels, noise));
    }
}
