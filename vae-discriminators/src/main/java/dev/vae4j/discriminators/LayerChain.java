package dev.vae4j.discriminators;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The Java stand-in for PyTorch's {@code nn.Sequential}: each layer takes the next index, layers with parameters are
 * registered under it ({@code "0"}, {@code "2"}, ...) and parameterless ones (LeakyReLU, Identity) only consume it, so
 * a parent registering the chain as {@code main} gets exactly the reference's keys ({@code main.0.weight},
 * {@code main.3.running_mean}, ...). Shapes are those of the layers; the chain itself adds nothing. Every registered
 * child is kept in a Java list.
 */
final class LayerChain extends Module {
    private final List<Module> modules = new ArrayList<>();
    private final List<UnaryOperator<Tensor>> steps = new ArrayList<>();
    private int nextIndex;

    /** Registers {@code module} under the next index; {@code step} is its forward (usually {@code m::forward}). */
    public <M extends Module> M add(M module, UnaryOperator<Tensor> step) {
        register_module(Integer.toString(nextIndex++), module);
        modules.add(module);
        steps.add(step);
        return module;
    }

    /** Appends a parameterless layer: it takes an index (like in the reference) but registers nothing. */
    public void addFunction(UnaryOperator<Tensor> step) {
        nextIndex++;
        steps.add(step);
    }

    /** The number of indices used so far (registered and parameterless layers). */
    public int size() {
        return nextIndex;
    }

    /** Applies every layer in order. */
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (UnaryOperator<Tensor> step : steps) {
            h = step.apply(h);
        }
        return h;
    }
}
