package dev.vae4j.train;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.tensor.TensorScope;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * An exponential moving average of a module's parameters, as diffusers' {@code EMAModel} keeps it: after each optimizer
 * step {@code t} counted from {@code startStep}, {@code shadow -= (1 - d) * (shadow - param)} with {@code d =
 * min(decay, (1 + t) / (10 + t))} (and a plain copy for t &lt;= 0). The shadow tensors live outside any step scope and
 * are saved with the model's own key names, so they load like the model.
 */
public final class ExponentialMovingAverage {
    private final double decay;
    private final long startStep;
    private final Map<String, Tensor> shadow = new LinkedHashMap<>();

    /**
     * @param module the model whose parameters are averaged (their current values start the average)
     * @param decay the maximum decay (diffusers default 0.9999)
     * @param startStep the step at which averaging starts (earlier steps copy)
     */
    public ExponentialMovingAverage(Module module, double decay, long startStep) {
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("EMA decay must be in [0, 1), got " + decay);
        }
        this.decay = decay;
        this.startStep = startStep;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            StateDict.of(module).forEach((name, value) -> {
                Tensor copy = value.detach().clone();
                copy.retainReference();
                shadow.put(name, copy);
            });
        }
    }

    /** The decay applied after optimizer step {@code step}. */
    public double decayAt(long step) {
        long t = step - startStep - 1;
        return t <= 0 ? 0.0 : Math.min(decay, (1.0 + t) / (10.0 + t));
    }

    /** Folds the module's current parameters into the average after optimizer step {@code step}. */
    public void update(Module module, long step) {
        double oneMinus = 1.0 - decayAt(step);
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            Map<String, Tensor> live = StateDict.of(module);
            for (Map.Entry<String, Tensor> entry : shadow.entrySet()) {
                Tensor average = entry.getValue();
                Tensor param = live.get(entry.getKey());
                average.sub_(average.sub(param).mul(new Scalar(oneMinus)));
            }
        }
    }

    /** The averaged tensors by parameter name (live: do not modify). */
    public Map<String, Tensor> tensors() {
        return shadow;
    }

    /** Replaces the average with {@code source}'s tensors (resuming). */
    public void load(TensorSource source) {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> entry : shadow.entrySet()) {
                entry.getValue().copy_(source.load(entry.getKey()));
            }
        }
    }

    /** Copies the average into {@code module}'s parameters (e.g. to export or evaluate the EMA weights). */
    public void copyTo(Module module) {
        StateDict.load(module, TensorSource.of(shadow), true, "EMA weights");
    }
}
