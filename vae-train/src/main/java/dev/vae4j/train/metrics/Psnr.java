package dev.vae4j.train.metrics;

import static org.bytedeco.pytorch.global.torch.log10;

import dev.vae4j.core.tensor.Shapes;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Peak signal-to-noise ratio in dB, per image, as skimage's {@code peak_signal_noise_ratio} with {@code data_range=1}:
 * images (N, C, H, W) in [-1, 1] are mapped to [0, 1], then {@code 10 * log10(1 / mean((a - b)^2))} over C, H, W of
 * each image. Identical images give +infinity.
 */
public final class Psnr {
    private Psnr() {}

    /** PSNR of each image pair, shape (N), in dB. */
    public static Tensor perImage(Tensor reference, Tensor test) {
        Shapes.requireSameShape(reference, test, "PSNR");
        Tensor a = reference
                .to(org.bytedeco.pytorch.global.torch.ScalarType.Double)
                .add(new Scalar(1))
                .div(new Scalar(2));
        Tensor b = test.to(org.bytedeco.pytorch.global.torch.ScalarType.Double)
                .add(new Scalar(1))
                .div(new Scalar(2));
        Tensor mse = a.sub(b).pow(new Scalar(2)).mean(Shapes.CHW);
        return log10(mse).mul(new Scalar(-10.0));
    }

    /** Mean PSNR over the batch, in dB. */
    public static double mean(Tensor reference, Tensor test) {
        return perImage(reference, test).mean().item_double();
    }
}
