package dev.vae4j.discriminators;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * Registers parameters and buffers and returns a stable handle. {@code Module.register_parameter} returns a reference
 * into the module's parameter dictionary, which the next registration may move (the Java wrapper then reads another
 * entry); these helpers copy the handle (same tensor, same storage) right away.
 */
final class Registered {
    private Registered() {}

    /** {@code module.register_parameter(name, value)} as a stable handle (requires grad). */
    static Tensor parameter(Module module, String name, Tensor value) {
        return new Tensor(module.register_parameter(name, value));
    }

    /** {@code module.register_buffer(name, value)} as a stable handle. */
    static Tensor buffer(Module module, String name, Tensor value) {
        return new Tensor(module.register_buffer(name, value));
    }
}
