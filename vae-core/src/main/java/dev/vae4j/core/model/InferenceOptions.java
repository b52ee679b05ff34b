package dev.vae4j.core.model;

import dev.vae4j.core.tensor.Autocast;
import dev.vae4j.core.tensor.MemoryFormats;
import dev.vae4j.core.tensor.Precision;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The inference fast paths: autocast {@link Precision} and the channels-last memory format. {@link #apply} wraps a
 * model so that {@code encode}/{@code decode} use them and still return float32, contiguous tensors.
 *
 * <p>{@code force_upcast} follows diffusers' decode path ({@code needs_upcasting = vae.dtype == float16 and
 * vae.config.force_upcast} in the SD/SDXL pipelines): a model whose {@link Autoencoder#forceUpcast()} is true runs in
 * float32 when {@link Precision#FP16} is asked for, because its activations overflow float16; bf16 has float32's range
 * and runs as asked. (diffusers' img2img/inpaint <em>encode</em> helpers upcast for any dtype; the decode rule is the
 * one every text-to-image pipeline applies.)
 *
 * @param precision the autocast precision asked for
 * @param channelsLast whether weights and inputs use the channels-last layout (same values within 1e-5)
 */
public record InferenceOptions(Precision precision, boolean channelsLast) {
    /** Validates the values. */
    public InferenceOptions {
        if (precision == null) {
            throw new IllegalArgumentException("precision must not be null");
        }
    }

    /**
     * The precision a model actually runs in: float32 for fp16 when {@code forceUpcast} (the model's
     * {@link Autoencoder#forceUpcast()}), otherwise {@link #precision()}.
     */
    public Precision precisionFor(boolean forceUpcast) {
        return precision == Precision.FP16 && forceUpcast ? Precision.FP32 : precision;
    }

    /**
     * Re-lays {@code module}'s weights out channels-last when {@link #channelsLast()} (in place, see
     * {@link MemoryFormats#toChannelsLast}); otherwise does nothing.
     */
    public void prepare(Module module) {
        if (channelsLast) {
            MemoryFormats.toChannelsLast(module);
        }
    }

    /**
     * Runs {@code op} (a model call) on {@code input} the way these options say: input channels-last if asked, under
     * autocast to {@link #precisionFor(boolean)} on the input's device; returns the result as a float32, contiguous
     * tensor. The model's weights must have been {@linkplain #prepare prepared}.
     *
     * @param forceUpcast the model's {@link Autoencoder#forceUpcast()}
     * @throws UnsupportedOperationException when an op has no kernel for the precision on that device
     */
    public Tensor run(Tensor input, boolean forceUpcast, UnaryOperator<Tensor> op) {
        return within(input, forceUpcast, op).to(ScalarType.Float).contiguous();
    }

    /** Wraps {@code model} (after {@linkplain #prepare preparing} its weights) so its calls use these options. */
    public InferenceAutoencoder apply(TrainableAutoencoder model) {
        prepare(model.module());
        return new InferenceAutoencoder(model, this);
    }

    /** {@link #run} without the conversion of the result: {@code op} under the options' autocast. */
    <T> T within(Tensor input, boolean forceUpcast, Function<Tensor, T> op) {
        Precision effective = precisionFor(forceUpcast);
        DeviceType device = input.device().type();
        Tensor x = channelsLast ? MemoryFormats.channelsLast(input) : input;
        try (Autocast autocast = effective.autocast(device)) {
            return op.apply(x);
        } catch (RuntimeException e) {
            throw unsupported(effective, device, e);
        }
    }

    /**
     * {@code error} unchanged, or, when it says an op lacks a kernel for a low precision (libtorch reports "not
     * implemented for 'Half'", "Unsupported dtype Half", "Low precision dtypes not supported"), an
     * {@link UnsupportedOperationException} that names the precision and what to use instead.
     */
    static RuntimeException unsupported(Precision precision, DeviceType device, RuntimeException error) {
        String message = String.valueOf(error.getMessage());
        String type = precision == Precision.FP16 ? "Half" : "BFloat16";
        if (precision == Precision.FP32 || !message.contains(type)) {
            return error;
        }
        String firstLine = message.lines().findFirst().orElse(message);
        String instead = precision == Precision.FP16 ? "bf16 or fp32" : "fp32";
        return new UnsupportedOperationException(
                precision + " is not supported on " + device + " by an op of " + "this model (" + firstLine
                        + "); use precision " + instead,
                error);
    }
}
