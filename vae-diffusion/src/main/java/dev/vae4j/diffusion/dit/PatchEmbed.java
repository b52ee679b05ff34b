package dev.vae4j.diffusion.dit;

import dev.vae4j.core.nn.Layers;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code PatchEmbed} as DiT configures it: a p x p stride-p convolution {@code proj} from latent channels to
 * the token width, flattened to (N, T, D) tokens, plus the 2-D sin-cos positions. The position table of the configured
 * size is not a parameter (diffusers registers it as a non-persistent buffer, absent from its weight files); other
 * square sizes get a table computed for their grid with the configured base size, as diffusers does.
 */
final class PatchEmbed extends Module {
    private final Conv2dImpl proj;
    private final int embedDim;
    private final int patchSize;
    private final int baseSize;

    PatchEmbed(DiTConfig config) {
        embedDim = config.innerDim();
        patchSize = config.patchSize();
        baseSize = config.gridSize();
        proj = register_module(
                "proj", Layers.conv2d(config.inChannels(), embedDim, config.patchSize(), config.patchSize(), 0));
    }

    /** Latents (N, C, H, H), H a multiple of the patch size -> tokens (N, (H/p)^2, D) with positions added. */
    Tensor forward(Tensor latents) {
        int grid = (int) (latents.size(2) / patchSize);
        Tensor tokens = proj.forward(latents).flatten(2, -1).transpose(1, 2);
        Tensor positions = SinCosEmbeddings.positions(embedDim, grid, baseSize);
        return tokens.add(positions.to(tokens.device(), tokens.scalar_type()));
    }
}
