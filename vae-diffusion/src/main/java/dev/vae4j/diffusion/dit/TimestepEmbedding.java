package dev.vae4j.diffusion.dit;

import static org.bytedeco.pytorch.global.torch.silu;

import dev.vae4j.core.nn.Linear;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code TimestepEmbedding(in_channels=256, time_embed_dim=D)}: {@code linear_2(silu(linear_1(x)))},
 * sinusoidal features (N, 256) -> (N, D).
 */
final class TimestepEmbedding extends Module {
    private final Linear linear1;
    private final Linear linear2;

    TimestepEmbedding(int in, int dim) {
        linear1 = register_module("linear_1", new Linear(in, dim));
        linear2 = register_module("linear_2", new Linear(dim, dim));
    }

    /** Features (N, in) in any float dtype, cast to the weights' as diffusers casts them to the hidden dtype. */
    Tensor forward(Tensor features) {
        return linear2.forward(silu(linear1.forward(features.to(linear1.weight().scalar_type()))));
    }
}
