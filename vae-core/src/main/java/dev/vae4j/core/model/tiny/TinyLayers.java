package dev.vae4j.core.model.tiny;

import dev.vae4j.core.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The Java counterpart of the {@code nn.Sequential} diffusers' {@code EncoderTiny}/{@code DecoderTiny} and taesd.py
 * keep their layers in: every step takes one index, and the steps with parameters are registered under it
 * ({@code layers.4.conv.0.weight}), parameter-free steps (activations, upsampling) leave their index unused, so the
 * keys match the reference's {@code state_dict} exactly. (N, C, H, W) -> (N, C', H', W').
 */
final class TinyLayers extends Module {
    private final List<UnaryOperator<Tensor>> steps = new ArrayList<>();
    /** Keeps the registered children reachable from Java (see {@link dev.vae4j.core.nn.IndexedModules}). */
    private final List<Module> children = new ArrayList<>();

    /** Appends a step with parameters, registered under its index; returns the module. */
    <M extends Module> M add(M module, UnaryOperator<Tensor> forward) {
        register_module(Integer.toString(steps.size()), module);
        children.add(module);
        steps.add(forward);
        return module;
    }

    /** Appends a parameter-free step. */
    void addFunction(UnaryOperator<Tensor> forward) {
        steps.add(forward);
    }

    /** Applies every step in order; intermediate tensors are freed on return. */
    Tensor forward(Tensor x) {
        return TensorScope.scoped(() -> {
            Tensor h = x;
            for (UnaryOperator<Tensor> step : steps) {
                h = step.apply(h);
            }
            return h;
        });
    }
}
