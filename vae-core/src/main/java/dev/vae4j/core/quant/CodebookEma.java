package dev.vae4j.core.quant;

import static org.bytedeco.pytorch.global.torch.one_hot;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The EMA state of a {@link VectorQuantizer}, registered on it under pytorch-diffusion's {@code VectorQuantizerEMA}
 * names: {@code _ema_cluster_size} (K), the Laplace-smoothed moving cluster sizes, and {@code _ema_w} (K, C), the
 * moving code sums; each code is {@code _ema_w / _ema_cluster_size}. Upstream keeps {@code _ema_w} as a parameter that
 * no gradient reaches; it is a buffer here, under the same name.
 */
final class CodebookEma {
    private final EmaUpdate update;
    private final Tensor clusterSize;
    private final Tensor sums;

    /** Registers the buffers on {@code owner}: cluster sizes 1 and sums equal to {@code codebook} (K, C). */
    CodebookEma(VectorQuantizer owner, EmaUpdate update, Tensor codebook) {
        this.update = update;
        this.clusterSize = new Tensor(owner.register_buffer("_ema_cluster_size", codebook.new_ones(codebook.size(0))));
        this.sums = new Tensor(owner.register_buffer("_ema_w", codebook.detach().clone()));
    }

    /**
     * One training step, as {@code VectorQuantizerEMA.forward} does in training mode: {@code flat} (M, C) the batch's
     * latents, {@code indices} (M) their nearest codes, {@code codebook} (K, C) overwritten with the new codes. Call
     * under no-grad.
     */
    void step(Tensor flat, Tensor indices, Tensor codebook) {
        long k = codebook.size(0);
        double decay = update.decay();
        Tensor encodings = one_hot(indices, k).to(flat.scalar_type());
        clusterSize.copy_(
                clusterSize.mul(new Scalar(decay)).add(encodings.sum(0).mul(new Scalar(1 - decay))));
        Tensor n = clusterSize.sum();
        clusterSize.copy_(clusterSize
                .add(new Scalar(update.epsilon()))
                .div(n.add(new Scalar(k * update.epsilon())))
                .mul(n));
        Tensor dw = encodings.t().matmul(flat);
        sums.copy_(sums.mul(new Scalar(decay)).add(dw.mul(new Scalar(1 - decay))));
        codebook.copy_(sums.div(clusterSize.unsqueeze(1)));
    }

    /** Restarted codes {@code codes} (D) take the latents {@code fresh} (D, C) with cluster size 1. Under no-grad. */
    void reseed(Tensor codes, Tensor fresh) {
        sums.index_copy_(0, codes, fresh);
        clusterSize.index_fill_(0, codes, new Scalar(1.0));
    }
}
