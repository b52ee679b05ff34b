package dev.vae4j.core.tensor;

import dev.vae4j.core.Vae4jException;
import java.util.Locale;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.StringTensorDictItem;
import org.bytedeco.pytorch.StringTensorDictItemVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds NaN and infinite values in tensors that a user gave or will receive (latents, weights, decoded images): each
 * tensor holding any is reported by name with its count, as a warning or, when strict, as a
 * {@link NonFiniteValueException}. Checking costs one reduction per tensor (no copy of the data to Java).
 */
public final class NonFiniteValues {
    private static final Logger LOG = LoggerFactory.getLogger(NonFiniteValues.class);

    private final boolean strict;

    /** @param strict whether a non-finite value is an error rather than a warning */
    public NonFiniteValues(boolean strict) {
        this.strict = strict;
    }

    /** A NaN or infinite value was found in strict mode; the message names the tensor and the count. */
    public static final class NonFiniteValueException extends Vae4jException {
        private static final long serialVersionUID = 1L;

        NonFiniteValueException(String message) {
            super(message);
        }
    }

    /**
     * Checks one tensor (any floating dtype, any device; other dtypes are always finite).
     *
     * @param name names the tensor in the message, e.g. {@code "tensor 'latents' of in.safetensors"}
     * @return the number of NaN or infinite values
     * @throws NonFiniteValueException in strict mode, if there is any
     */
    public long check(String name, Tensor tensor) {
        if (!tensor.is_floating_point()) {
            return 0;
        }
        long bad;
        try (TensorScope scope = new TensorScope()) {
            bad = tensor.numel() - torch.isfinite(tensor).sum().item_long();
        }
        if (bad > 0) {
            report(String.format(
                    Locale.ROOT, "%s holds %,d NaN/infinite value(s) out of %,d", name, bad, tensor.numel()));
        }
        return bad;
    }

    /**
     * Checks every parameter and buffer of {@code module}; one message lists the tensors holding non-finite values.
     *
     * @param origin names the weights in the message, e.g. the model folder
     * @return the number of tensors holding any
     * @throws NonFiniteValueException in strict mode, if there is any
     */
    public int checkWeights(String origin, Module module) {
        StringBuilder names = new StringBuilder();
        int count = 0;
        try (TensorScope scope = new TensorScope()) {
            for (StringTensorDict dict :
                    new StringTensorDict[] {module.named_parameters(true), module.named_buffers(true)}) {
                StringTensorDictItemVector items = dict.items();
                for (long i = 0; i < items.size(); i++) {
                    StringTensorDictItem item = items.get(i);
                    Tensor t = item.value();
                    if (t.is_floating_point()
                            && t.numel() > 0
                            && !torch.isfinite(t).all().item_bool()) {
                        count++;
                        if (count <= 5) {
                            names.append(count > 1 ? ", " : "")
                                    .append(item.key().getString());
                        }
                    }
                }
            }
        }
        if (count > 0) {
            report(origin + ": " + count + " weight tensor(s) hold NaN/infinite values (" + names
                    + (count > 5 ? ", ..." : "") + ")");
        }
        return count;
    }

    private void report(String message) {
        if (strict) {
            throw new NonFiniteValueException(message);
        }
        LOG.warn("{} (--strict makes this an error)", message);
    }
}
