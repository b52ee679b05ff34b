package dev.vae4j.diffusion.sampling;

import static org.bytedeco.pytorch.global.torch.randn;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;

/** Where a stochastic sampler draws its per-step noise. */
@FunctionalInterface
public interface NoiseSource {

    /** Standard normal noise with the shape, dtype and device of {@code like}. */
    Tensor normalLike(Tensor like);

    /**
     * Noise from {@code generator} (a CPU generator: {@code torch.createCPUGenerator(seed)}), drawn on the CPU in the
     * dtype of the latents and then moved to their device, as diffusers' {@code randn_tensor} does with a CPU
     * generator. A libtorch CPU generator seeded with s draws the same numbers as PyTorch's
     * {@code torch.Generator().manual_seed(s)} (and as {@code torch.randn_like} after {@code torch.manual_seed(s)} on
     * the CPU). The caller keeps the generator alive while the source is used.
     */
    static NoiseSource of(Generator generator) {
        return like -> randn(
                        like.sizes().vec().get(),
                        new GeneratorOptional(generator),
                        new TensorOptions(like.scalar_type()))
                .to(like.device(), like.scalar_type());
    }
}
