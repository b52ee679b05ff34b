package dev.vae4j.losses;

import static org.bytedeco.pytorch.global.torch.conv2d;
import static org.bytedeco.pytorch.global.torch.leaky_relu;

import dev.vae4j.core.model.Discriminator;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;

/** The fixtures' tiny discriminator: conv(3->4, k4 s2 p1), LeakyReLU 0.2, conv(4->1, k3 s1 p1). */
final class TinyDiscriminator implements Discriminator {
    private final Module module = new Module();
    private final Tensor w0;
    private final Tensor b0;
    private final Tensor w1;
    private final Tensor b1;

    TinyDiscriminator(Map<String, Tensor> io, String prefix, boolean trainable) {
        w0 = register("c0_weight", io.get(prefix + ".c0.weight"), trainable);
        b0 = register("c0_bias", io.get(prefix + ".c0.bias"), trainable);
        w1 = register("c1_weight", io.get(prefix + ".c1.weight"), trainable);
        b1 = register("c1_bias", io.get(prefix + ".c1.bias"), trainable);
    }

    /** Keeps our own handle: register_parameter returns a reference into the module's table, which moves. */
    private Tensor register(String name, Tensor value, boolean trainable) {
        Tensor t = value.clone();
        module.register_parameter(name, t, trainable);
        return t;
    }

    @Override
    public Tensor logits(Tensor images) {
        Tensor h =
                conv2d(images, w0, new TensorOptional(b0), new long[] {2, 2}, new long[] {1, 1}, new long[] {1, 1}, 1);
        h = leaky_relu(h, new Scalar(0.2));
        return conv2d(h, w1, new TensorOptional(b1), new long[] {1, 1}, new long[] {1, 1}, new long[] {1, 1}, 1);
    }

    Tensor c1Weight() {
        return w1;
    }

    @Override
    public Module module() {
        return module;
    }
}
