package dev.vae4j.diffusion.dit;

import static org.bytedeco.pytorch.global.torch.gelu;

import dev.vae4j.core.nn.Linear;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code FeedForward(D, activation_fn)} with {@code gelu-approximate} (tanh) or {@code gelu}:
 * {@code net.0.proj} (D -> 4D), GELU, {@code net.1} dropout, {@code net.2} (4D -> D). Tokens (N, T, D) -> (N, T, D).
 */
final class FeedForward extends Module {
    private final Module net;
    private final Module activation;
    private final Linear projIn;
    private final Linear projOut;
    private final String approximate;

    FeedForward(DiTConfig config) {
        long dim = config.innerDim();
        approximate = "gelu-approximate".equals(config.activationFn()) ? "tanh" : "none";
        net = register_module("net", new Module());
        activation = net.register_module("0", new Module());
        projIn = activation.register_module("proj", new Linear(dim, 4 * dim));
        projOut = net.register_module("2", new Linear(4 * dim, dim));
    }

    Tensor forward(Tensor x, TrainingNoise noise) {
        return projOut.forward(noise.dropout(gelu(projIn.forward(x), approximate)));
    }
}
