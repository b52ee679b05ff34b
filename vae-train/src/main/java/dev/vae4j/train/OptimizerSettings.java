package dev.vae4j.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.vae4j.core.model.ConfigEnums;
import java.util.List;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * An Adam-family optimizer as configured in a recipe (libtorch's own {@code Adam}/{@code AdamW}).
 *
 * @param type the algorithm (recipe spelling {@code adam} or {@code adamw})
 * @param lr peak learning rate
 * @param beta1 first-moment decay (LDM: 0.5)
 * @param beta2 second-moment decay (LDM: 0.9)
 * @param eps denominator epsilon
 * @param weightDecay L2 (adam) or decoupled (adamw) weight decay
 */
public record OptimizerSettings(
        @JsonProperty("type") Algorithm type,
        @JsonProperty("lr") double lr,
        @JsonProperty("beta1") double beta1,
        @JsonProperty("beta2") double beta2,
        @JsonProperty("eps") double eps,
        @JsonProperty("weight_decay") double weightDecay) {

    /** Validates the values. */
    public OptimizerSettings {
        type = type == null ? Algorithm.ADAM : type;
        if (!(lr > 0)
                || !(beta1 >= 0 && beta1 < 1)
                || !(beta2 >= 0 && beta2 < 1)
                || !(eps > 0)
                || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("invalid optimizer settings: lr " + lr + ", betas (" + beta1 + ", "
                    + beta2 + "), eps " + eps + ", weight decay " + weightDecay);
        }
    }

    /** Adam with the given learning rate and betas, eps 1e-8, no weight decay. */
    public static OptimizerSettings adam(double lr, double beta1, double beta2) {
        return new OptimizerSettings(Algorithm.ADAM, lr, beta1, beta2, 1e-8, 0.0);
    }

    /** A copy with peak learning rate {@code newLr} (validated like the constructor). */
    public OptimizerSettings withLearningRate(double newLr) {
        return new OptimizerSettings(type, newLr, beta1, beta2, eps, weightDecay);
    }

    /** Builds the optimizer over {@code parameters}. */
    public Optimizer create(List<Tensor> parameters) {
        TensorVector params = new TensorVector(parameters.toArray(new Tensor[0]));
        if (type == Algorithm.ADAMW) {
            AdamWOptions options = new AdamWOptions(lr);
            setBetas(options.betas(), beta1, beta2);
            options.eps().put(eps);
            options.weight_decay().put(weightDecay);
            return new AdamW(params, options);
        }
        AdamOptions options = new AdamOptions(lr);
        setBetas(options.betas(), beta1, beta2);
        options.eps().put(eps);
        options.weight_decay().put(weightDecay);
        return new Adam(params, options);
    }

    /**
     * Writes (beta1, beta2) into the options' {@code std::tuple<double, double>}, which the presets expose as a bare
     * {@code DoublePointer} to the tuple's storage. libstdc++ lays a tuple's elements out in reverse order, so
     * {@code put(0, beta1).put(1, beta2)} would silently give Adam betas (beta2, beta1); the order is read off the
     * defaults (0.9, 0.999) of a fresh {@link AdamOptions} instead of being assumed.
     */
    public static void setBetas(DoublePointer betas, double beta1, double beta2) {
        boolean reversed = DefaultBetas.REVERSED;
        betas.put(reversed ? 1 : 0, beta1).put(reversed ? 0 : 1, beta2);
    }

    /** Whether the tuple storage holds beta2 first (libstdc++), found once from libtorch's defaults. */
    private static final class DefaultBetas {
        static final boolean REVERSED = readReversed();

        private static boolean readReversed() {
            AdamOptions defaults = new AdamOptions(1.0);
            double first = defaults.betas().get(0);
            double second = defaults.betas().get(1);
            if (first == 0.999 && second == 0.9) {
                return true;
            }
            if (first == 0.9 && second == 0.999) {
                return false;
            }
            throw new IllegalStateException("cannot tell the layout of libtorch's Adam betas: defaults read as ("
                    + first + ", " + second + ")");
        }
    }

    /** Sets the learning rate of every parameter group of {@code optimizer}. */
    public static void setLearningRate(Optimizer optimizer, double lr) {
        for (long i = 0; i < optimizer.param_groups().size(); i++) {
            optimizer.param_groups().get(i).options().set_lr(lr);
        }
    }

    /** The optimizer algorithm: recipe spelling {@code adam} or {@code adamw}. */
    public enum Algorithm {
        /** Adam; weight decay is an L2 term added to the gradient. */
        ADAM,
        /** AdamW: decoupled weight decay. */
        ADAMW;

        /** Parses {@code adam} or {@code adamw} (case-insensitive). */
        @JsonCreator
        public static Algorithm parse(String text) {
            return ConfigEnums.parse(Algorithm.class, text, "optimizer type");
        }

        /** The recipe spelling. */
        @JsonValue
        @Override
        public String toString() {
            return ConfigEnums.lowerCase(this);
        }
    }
}
