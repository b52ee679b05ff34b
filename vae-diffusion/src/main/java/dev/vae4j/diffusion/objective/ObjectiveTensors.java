package dev.vae4j.diffusion.objective;

import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.diffusion.Denoiser;
import java.util.Arrays;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Argument checks and small tensor conversions shared by the objectives. */
final class ObjectiveTensors {
    private ObjectiveTensors() {}

    /** Checks a defined, non-empty, floating-point (N, C, H, W) tensor. */
    static void requireLatents(Tensor t, String what) {
        if (t == null || t.isNull() || !t.defined()) {
            throw new IllegalArgumentException(what + " tensor is undefined");
        }
        if (t.dim() != 4) {
            throw new IllegalArgumentException(what + " must be 4-D (N, C, H, W), got shape " + Shapes.describe(t));
        }
        if (t.numel() == 0) {
            throw new IllegalArgumentException(what + " is empty: shape " + Shapes.describe(t));
        }
        if (!t.is_floating_point()) {
            throw new IllegalArgumentException(what + " must be a floating-point tensor, got " + t.scalar_type());
        }
    }

    /** Checks that {@code b} has the shape of {@code a}. */
    static void requireSameShape(Tensor a, String whatA, Tensor b, String whatB) {
        requireLatents(b, whatB);
        if (!Arrays.equals(a.sizes().vec().get(), b.sizes().vec().get())) {
            throw new IllegalArgumentException(whatB + " must have the shape of " + whatA + " " + Shapes.describe(a)
                    + ", got " + Shapes.describe(b));
        }
    }

    /** Checks a 1-D tensor of {@code n} values. */
    static void requirePerSample(Tensor t, String what, long n) {
        if (t == null || t.isNull() || !t.defined()) {
            throw new IllegalArgumentException(what + " tensor is undefined");
        }
        if (t.dim() != 1 || t.size(0) != n) {
            throw new IllegalArgumentException(
                    what + " must be 1-D with one value per sample (" + n + "), got shape " + Shapes.describe(t));
        }
    }

    /** The values of a 1-D tensor as longs (read on the CPU). */
    static long[] longs(Tensor t) {
        Tensor c = t.detach().cpu().to(ScalarType.Long).contiguous();
        long[] out = new long[(int) c.numel()];
        c.data_ptr_long().get(out, 0, out.length);
        return out;
    }

    /** The values of a 1-D tensor as doubles (read on the CPU). */
    static double[] doubles(Tensor t) {
        Tensor c = t.detach().cpu().to(ScalarType.Double).contiguous();
        double[] out = new double[(int) c.numel()];
        c.data_ptr_double().get(out, 0, out.length);
        return out;
    }

    /** {@code values} as a (N) tensor of {@code type} on {@code device}. */
    static Tensor vector(double[] values, Device device, ScalarType type) {
        Tensor t = torch.empty(values.length).to(ScalarType.Double);
        t.data_ptr_double().put(values, 0, values.length);
        return t.to(device, type);
    }

    /** A (N) tensor reshaped to (N, 1, 1, 1), to scale an (N, C, H, W) batch per sample. */
    static Tensor column(Tensor perSample) {
        return perSample.view(perSample.size(0), 1, 1, 1);
    }

    /**
     * The denoiser's prediction for {@code noisy} at {@code timesteps}, its learned-variance channels (if any) dropped.
     *
     * @throws IllegalArgumentException if the denoiser's channels do not fit the latents or its result has another
     *     shape
     */
    static Tensor predict(Denoiser denoiser, Tensor noisy, Tensor timesteps, Tensor labels) {
        long channels = noisy.size(1);
        if (denoiser.latentChannels() != channels) {
            throw new IllegalArgumentException(
                    "latents have " + channels + " channels but the denoiser takes " + denoiser.latentChannels());
        }
        Tensor output = denoiser.predict(noisy, timesteps, labels);
        if (output.dim() == 4 && output.size(1) == denoiser.predictionChannels() && output.size(1) > channels) {
            output = output.narrow(1, 0, channels);
        }
        requireSameShape(noisy, "latents", output, "the denoiser's prediction");
        return output;
    }
}
