package dev.vae4j.core.model.tiny;

import static org.bytedeco.pytorch.global.torch.upsample_bicubic2d;
import static org.bytedeco.pytorch.global.torch.upsample_bilinear2d;
import static org.bytedeco.pytorch.global.torch.upsample_nearest2d;

import dev.vae4j.core.nn.InterpolatingUpsample2D;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * {@code nn.Upsample(scale_factor=f, mode=m)} of the tiny decoder (align_corners False): (N, C, H, W) -> (N, C, fH,
 * fW).
 *
 * @param mode the interpolation
 * @param factor the integer scale factor
 */
record TinyUpsample(InterpolatingUpsample2D.Mode mode, int factor) implements UnaryOperator<Tensor> {
    @Override
    public Tensor apply(Tensor x) {
        long[] size = {x.size(2) * factor, x.size(3) * factor};
        return switch (mode) {
            case NEAREST -> upsample_nearest2d(x, size);
            case BILINEAR -> upsample_bilinear2d(x, size, false);
            case BICUBIC -> upsample_bicubic2d(x, size, false);
        };
    }
}
