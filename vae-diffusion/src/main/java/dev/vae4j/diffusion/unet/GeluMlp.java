package dev.vae4j.diffusion.unet;

import static org.bytedeco.pytorch.global.torch.gelu;

import dev.vae4j.core.nn.Linear;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * {@code nn.Sequential(..., nn.Linear(in, out), nn.GELU(), nn.Linear(out, out))} of stanipov/pytorch-diffusion's
 * {@code Unet} ({@code time_mlp} after its sinusoidal embedding, {@code lbl_embeds}): GELU is the exact (erf) one. The
 * linears sit at the Sequential's indices {@code first} and {@code first + 2}. (N, in) -> (N, out).
 */
final class GeluMlp extends Module {
    private final Linear in;
    private final Linear out;

    /** @param first the Sequential index of the first linear (1 in {@code time_mlp}, 0 in {@code lbl_embeds}) */
    GeluMlp(long inFeatures, long outFeatures, int first) {
        in = register_module(Integer.toString(first), new Linear(inFeatures, outFeatures));
        out = register_module(Integer.toString(first + 2), new Linear(outFeatures, outFeatures));
    }

    Tensor forward(Tensor x) {
        return out.forward(gelu(in.forward(x)));
    }
}
