package dev.vae4j.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * What an objective returns for one step: the scalar (0-d) {@code total} to call {@code backward()} on, and the named
 * terms to log ({@code "rec"}, {@code "kl"}, {@code "d_weight"}, ...) in insertion order, as detached 0-d tensors on
 * the loss's device. Nothing is read to the host when the result is built: the trainer sums the terms on the device and
 * reads them once per log interval; {@link #values()} reads them all at once (one host synchronisation, counted by
 * {@link HostSyncs}).
 *
 * @param total the loss to differentiate, a 0-d floating-point tensor
 * @param terms the logged terms by name, each a 0-d tensor (stored detached; unmodifiable)
 */
public record LossTerms(Tensor total, Map<String, Tensor> terms) {
    /** Validates the tensors and freezes the detached terms. */
    public LossTerms {
        if (!scalar(total)) {
            throw new IllegalArgumentException("total loss must be a defined 0-d tensor, got "
                    + (undefined(total) ? "undefined" : "dim " + total.dim()));
        }
        Map<String, Tensor> detached = new LinkedHashMap<>();
        terms.forEach((name, value) -> {
            if (!scalar(value)) {
                throw new IllegalArgumentException("loss term '" + name + "' must be a defined 0-d tensor");
            }
            detached.put(name, value.detach());
        });
        terms = Collections.unmodifiableMap(detached);
    }

    /**
     * A logged constant (a weight, a schedule factor) as a 0-d float64 tensor on {@code like}'s device, created there
     * without a host-to-device copy.
     */
    public static Tensor constant(double value, Tensor like) {
        return like.new_full(new long[] {}, new Scalar(value), new TensorOptions(ScalarType.Double));
    }

    /** All terms read to the host in one copy, in insertion order. */
    public Map<String, Double> values() {
        Map<String, Double> out = new LinkedHashMap<>();
        if (terms.isEmpty()) {
            return out;
        }
        TensorVector stacked = new TensorVector();
        terms.values().forEach(t -> stacked.push_back(t.to(ScalarType.Double)));
        double[] host = HostSyncs.read(torch.stack(stacked));
        int i = 0;
        for (String name : terms.keySet()) {
            out.put(name, host[i++]);
        }
        return out;
    }

    /**
     * The logged term {@code name} read to the host (one synchronisation).
     *
     * @throws IllegalArgumentException if no such term was logged
     */
    public double term(String name) {
        Tensor value = terms.get(name);
        if (value == null) {
            throw new IllegalArgumentException("no loss term '" + name + "'; logged terms: " + terms.keySet());
        }
        return HostSyncs.read(value)[0];
    }

    private static boolean undefined(Tensor t) {
        return t == null || t.isNull() || !t.defined();
    }

    private static boolean scalar(Tensor t) {
        return !undefined(t) && t.dim() == 0;
    }
}
