package dev.vae4j.dwt.nn;

import static org.bytedeco.pytorch.global.torch.silu;

import dev.vae4j.core.nn.Layers;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The SD decoder's ResNet block with every Conv+GroupNorm pair replaced by an {@link Smc}. Post-activation
 * (open-LiteVAE): {@code skip(x) + silu(conv2(silu(conv1(x))))}; pre-activation (the paper's {@code ResBlockWithSMC}):
 * {@code skip(x) + conv2(silu(conv1(silu(x))))}. The skip is the identity, or a plain 1x1 {@code nin_shortcut}
 * convolution when the channel count changes. (N, in, H, W) -> (N, out, H, W). Parameter names: {@code conv1.*},
 * {@code conv2.*}, {@code nin_shortcut.*}.
 */
public final class SmcResnetBlock extends Module {
    private final Smc conv1;
    private final Smc conv2;
    private final Conv2dImpl ninShortcut;
    private final boolean preActivation;

    /**
     * @param in input channels
     * @param out output channels
     * @param preActivation the paper's ordering instead of open-LiteVAE's
     */
    public SmcResnetBlock(long in, long out, boolean preActivation) {
        this.preActivation = preActivation;
        conv1 = register_module("conv1", new Smc(in, out, 3));
        conv2 = register_module("conv2", new Smc(out, out, 3));
        ninShortcut = in == out ? null : register_module("nin_shortcut", Layers.conv2d(in, out, 1, 1, 0));
    }

    /** (N, in, H, W) -> (N, out, H, W). */
    public Tensor forward(Tensor x) {
        Tensor h = preActivation
                ? conv2.forward(silu(conv1.forward(silu(x))))
                : silu(conv2.forward(silu(conv1.forward(x))));
        return (ninShortcut == null ? x : ninShortcut.forward(x)).add(h);
    }
}
