package dev.vae4j.core.quant;

import static org.bytedeco.pytorch.global.torch.randint;
import static org.bytedeco.pytorch.global.torch.tensor;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * taming's {@code remap_to_used} / {@code unmap_to_all} on the {@code used} buffer it registers on the quantizer
 * (int64, as taming's {@code torch.tensor(np.load(remap))}; a checkpoint's {@code used} replaces it when loaded).
 */
final class IndexRemapper {
    private final IndexRemap remap;
    private final Tensor used;

    /** Registers {@code used} on {@code owner}. */
    IndexRemapper(VectorQuantizer owner, IndexRemap remap) {
        this.remap = remap;
        this.used = new Tensor(owner.register_buffer("used", tensor(remap.used())));
    }

    /**
     * Codebook indices (N, H, W) to positions in {@code used} (the first match), unknown codes to the remap's unknown
     * index; random unknowns are drawn from {@code generator} in row-major order, as taming draws them.
     */
    Tensor toUsed(Tensor indices, Generator generator) {
        long u = used.size(0);
        Tensor match = indices.unsqueeze(3)
                .eq(used.to(indices.device(), ScalarType.Long).view(1, 1, 1, u))
                .to(ScalarType.Long);
        Tensor mapped = match.argmax(new LongOptional(3), false);
        Tensor unknown = match.sum(3).lt(new Scalar(1L));
        switch (remap.unknown().kind()) {
            case RANDOM -> {
                long count = unknown.sum().item_long();
                Tensor drawn = randint(
                        remap.indexRange(),
                        new long[] {count},
                        new GeneratorOptional(generator),
                        new TensorOptions(ScalarType.Long));
                mapped.masked_scatter_(unknown, drawn.to(mapped.device(), ScalarType.Long));
            }
            case EXTRA -> mapped.masked_fill_(unknown, new Scalar(u));
            case FIXED ->
                mapped.masked_fill_(unknown, new Scalar(remap.unknown().index()));
        }
        return mapped;
    }

    /**
     * Remapped indices (any shape) back to codebook indices; the extra index, which has no code, reads as position 0
     * (the first used code), as taming does.
     */
    Tensor toCodebook(Tensor indices) {
        long u = used.size(0);
        Tensor known = indices.masked_fill(indices.ge(new Scalar(u)), new Scalar(0L));
        return used.to(indices.device(), ScalarType.Long)
                .index_select(0, known.reshape(-1))
                .view(indices.sizes());
    }
}
