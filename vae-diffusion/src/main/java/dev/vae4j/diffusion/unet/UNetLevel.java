package dev.vae4j.diffusion.unet;

import dev.vae4j.core.nn.Block2D;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bytedeco.pytorch.Module;

/**
 * One entry of stanipov/pytorch-diffusion's {@code Unet.downs} or {@code Unet.ups}: a ModuleList of
 * {@code resnet_stacks} time-conditioned resnet blocks, the level's linear attention, and its resampler (a
 * downsampler/upsampler, or a plain 3x3 conv on the last level), registered under the indices {@code 0 .. resnet_stacks
 * + 1}. The UNet's forward decides how skips flow through it.
 */
final class UNetLevel extends Module {
    private final List<TimeConditionedResnetBlock> resnets = new ArrayList<>();
    private final ResidualLinearAttention attention;
    private final Block2D resampler;

    UNetLevel(List<TimeConditionedResnetBlock> resnets, ResidualLinearAttention attention, Block2D resampler) {
        for (TimeConditionedResnetBlock block : resnets) {
            this.resnets.add(register_module(Integer.toString(this.resnets.size()), block));
        }
        this.attention = register_module(Integer.toString(resnets.size()), attention);
        this.resampler = register_module(Integer.toString(resnets.size() + 1), resampler);
    }

    List<TimeConditionedResnetBlock> resnets() {
        return Collections.unmodifiableList(resnets);
    }

    ResidualLinearAttention attention() {
        return attention;
    }

    Block2D resampler() {
        return resampler;
    }
}
