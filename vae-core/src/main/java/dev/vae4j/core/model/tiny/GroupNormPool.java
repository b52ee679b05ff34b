package dev.vae4j.core.model.tiny;

import static org.bytedeco.pytorch.global.torch.relu;

import dev.vae4j.core.nn.Layers;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * taesd.py's FLUX.2 mid-block branch ({@code Block.pool}): 1x1 conv C -> 4C (no bias), {@code GroupNorm(4, 4C)} (eps
 * 1e-5), ReLU, 1x1 conv 4C -> C (no bias); the block adds it to its input. The GroupNorm's statistics over whole
 * feature maps give the block a global view. (N, C, H, W) -> (N, C, H, W). Parameter names: {@code 0.weight, 1.weight,
 * 1.bias, 3.weight}.
 */
final class GroupNormPool extends Module {
    private static final int GROUPS = 4;
    private final Conv2dImpl expand;
    private final GroupNormImpl norm;
    private final Conv2dImpl project;

    GroupNormPool(long channels) {
        expand = register_module("0", Layers.conv2dNoBias(channels, channels * GROUPS));
        norm = register_module("1", Layers.groupNorm(GROUPS, channels * GROUPS, Layers.TORCH_NORM_EPS));
        project = register_module("3", Layers.conv2dNoBias(channels * GROUPS, channels));
    }

    Tensor forward(Tensor x) {
        return project.forward(relu(norm.forward(expand.forward(x))));
    }
}
