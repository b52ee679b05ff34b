package dev.vae4j.core.model.tiny;

import static org.bytedeco.pytorch.global.torch.gelu;
import static org.bytedeco.pytorch.global.torch.mish;
import static org.bytedeco.pytorch.global.torch.relu;
import static org.bytedeco.pytorch.global.torch.silu;

import java.util.Arrays;
import java.util.Locale;
import org.bytedeco.pytorch.Tensor;

/**
 * The {@code act_fn} of an {@link AutoencoderTinyConfig}: the activation between the convolutions of a tiny block and
 * after the decoder's input conv, as diffusers' {@code get_activation} names them ({@code swish} is {@code silu}). The
 * block's final fuse is always ReLU, as in diffusers and taesd.py. Element-wise, any shape.
 */
public enum TinyActivation {
    RELU,
    SILU,
    GELU,
    MISH;

    /** Applies the activation. */
    public Tensor apply(Tensor x) {
        return switch (this) {
            case RELU -> relu(x);
            case SILU -> silu(x);
            case GELU -> gelu(x);
            case MISH -> mish(x);
        };
    }

    /** The config.json spelling. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a config.json {@code act_fn}.
     *
     * @throws IllegalArgumentException naming the value and the supported ones
     */
    public static TinyActivation parse(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        if (key.equals("swish")) {
            return SILU;
        }
        for (TinyActivation activation : values()) {
            if (activation.jsonName().equals(key)) {
                return activation;
            }
        }
        throw new IllegalArgumentException("AutoencoderTiny config: act_fn '" + name + "' is not supported (one of "
                + Arrays.stream(values()).map(TinyActivation::jsonName).toList() + ", swish)");
    }
}
