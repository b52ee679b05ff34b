package dev.vae4j.core.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * What an objective returns for one step: the scalar (0-d) {@code total} to call {@code backward()} on, and
 * the named scalar terms to log ({@code "rec"}, {@code "kl"}, {@code "d_weight"}, ...) as plain doubles in
 * insertion order. The terms are copies taken when the result was built; they hold no graph.
 *
 * @param total the loss to differentiate, a 0-d floating-point tensor
 * @param terms the logged terms by name (unmodifiable)
 */
public record LossTerms(Tensor total, Map<String, Double> terms) {
    /** Validates and freezes the terms. */
    public LossTerms {
        if (total == null || total.isNull() || !total.defined() || total.dim() != 0) {
            throw new IllegalArgumentException("total loss must be a defined 0-d tensor, got "
                    + (total == null || total.isNull() || !total.defined() ? "undefined" : "dim " + total.dim()));
        }
        terms = Collections.unmodifiableMap(new LinkedHashMap<>(terms));
    }

    /**
     * The logged term {@code name}.
     *
     * @throws IllegalArgumentException if no such term was logged
     */
    public double term(String name) {
        Double value = terms.get(name);
        if (value == null) {
            throw new IllegalArgumentException("no loss term '" + name + "'; logged terms: " + terms.keySet());
        }
        return value;
    }
}
