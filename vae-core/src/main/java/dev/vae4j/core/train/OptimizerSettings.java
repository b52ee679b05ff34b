package dev.vae4j.core.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Locale;
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
 * @param type {@code adam} or {@code adamw} (decoupled weight decay)
 * @param lr peak learning rate
 * @param beta1 first-moment decay (LDM: 0.5)
 * @param beta2 second-moment decay (LDM: 0.9)
 * @param eps denominator epsilon
 * @param weightDecay L2 (adam) or decoupled (adamw) weight decay
 */
public record OptimizerSettings(
        @JsonProperty("type") String type,
        @JsonProperty("lr") double lr,
        @JsonProperty("beta1") double beta1,
        @JsonProperty("beta2") double beta2,
        @JsonProperty("eps") double eps,
        @JsonProperty("weight_decay") double weightDecay) {

    /** Validates the values. */
    public OptimizerSettings {
        type = type == null ? "adam" : type.toLowerCase(Locale.ROOT);
        if (!type.equals("adam") && !type.equals("adamw")) {
            throw new IllegalArgumentException("optimizer type must be adam or adamw, got '" + type + "'");
        }
        if (!(lr > 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)
                || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("invalid optimizer settings: lr " + lr + ", betas (" + beta1 + ", "
                    + beta2 + "), eps " + eps + ", weight decay " + weightDecay);
        }
    }

    /** Adam with the given learning rate and betas, eps 1e-8, no weight decay. */
    public static OptimizerSettings adam(double lr, double beta1, double beta2) {
        return new OptimizerSettings("adam", lr, beta1, beta2, 1e-8, 0.0);
    }

    /** Builds the optimizer over {@code parameters}. */
    public Optimizer create(List<Tensor> parameters) {
        TensorVector params = new TensorVector(parameters.toArray(new Tensor[0]));
        if (type.equals("adamw")) {
            AdamWOptions options = new AdamWOptions(lr);
            options.betas().put(0, beta1).put(1, beta2);
            options.eps().put(eps);
            options.weight_decay().put(weightDecay);
            return new AdamW(params, options);
        }
        AdamOptions options = new AdamOptions(lr);
        options.betas().put(0, beta1).put(1, beta2);
        options.eps().put(eps);
        options.weight_decay().put(weightDecay);
        return new Adam(params, options);
    }

    /** Sets the learning rate of every parameter group of {@code optimizer}. */
    public static void setLearningRate(Optimizer optimizer, double lr) {
        for (long i = 0; i < optimizer.param_groups().size(); i++) {
            optimizer.param_groups().get(i).options().set_lr(lr);
        }
    }
}
