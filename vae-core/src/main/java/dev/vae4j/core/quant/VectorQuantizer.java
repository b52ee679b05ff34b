package dev.vae4j.core.quant;

import static org.bytedeco.pytorch.global.torch.argmin;
import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.embedding;
import static org.bytedeco.pytorch.global.torch.normalize;
import static org.bytedeco.pytorch.global.torch.randint;
import static org.bytedeco.pytorch.global.torch.tensor;

import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.EmbeddingImpl;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Nearest-code vector quantization, as taming-transformers' {@code VectorQuantizer2} (the quantizer of taming's VQGAN,
 * LDM's VQ first stages and diffusers' {@code VectorQuantizer}): each latent vector (a pixel of (N, C, H, W)) is
 * replaced by the codebook row at the least squared distance; the loss is {@code mean((sg[q] - z)^2) + beta * mean((q -
 * sg[z])^2)} (the legacy placement) or the reverse; the output passes gradients straight through to the input. Options
 * ({@link VectorQuantizerConfig}): index remapping, cosine codes, pytorch-diffusion's EMA codebook updates
 * ({@code VectorQuantizerEMA}, whose loss is {@code beta * mean((sg[q] - z)^2)}), dead-code restarts. EMA updates and
 * restarts happen only in training mode ({@link Module#train}).
 *
 * <p>State dict: {@code embedding.weight} (K, C); with a remap {@code used} (U, int64); with EMA
 * {@code _ema_cluster_size} (K) and {@code _ema_w} (K, C) (pytorch-diffusion's names; its codebook is
 * {@code _embedding.weight}, which loads as {@code embedding.weight}).
 */
public final class VectorQuantizer extends Module implements Quantizer {
    private final VectorQuantizerConfig config;
    private final EmbeddingImpl embedding;
    private final Tensor codebook;
    private final Generator generator;
    private final IndexRemapper remapper;
    private final CodebookEma ema;
    private final DeadCodeRestarts restarts;

    /**
     * Codes drawn from a generator seeded with the configuration's seed (the generator of random unknown indices and
     * restarts is another one, with the same seed): uniform in [-1/K, 1/K] as taming initialises them, or, with EMA
     * updates, standard normal as pytorch-diffusion does (with moving sums equal to the codes and cluster sizes 1, so
     * that the first update does not divide by epsilon).
     */
    public VectorQuantizer(VectorQuantizerConfig config) {
        this.config = config;
        this.generator = createCPUGenerator(config.seed());
        this.embedding = register_module("embedding", new EmbeddingImpl(config.codebookSize(), config.dim()));
        this.codebook = new Tensor(embedding.weight());
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            Generator initialisation = createCPUGenerator(config.seed());
            Tensor initial = config.ema().isPresent()
                    ? codebook.new_empty(codebook.sizes()).normal_(0.0, 1.0, new GeneratorOptional(initialisation))
                    : codebook.new_empty(codebook.sizes())
                            .uniform_(
                                    -1.0 / config.codebookSize(),
                                    1.0 / config.codebookSize(),
                                    new GeneratorOptional(initialisation));
            codebook.copy_(initial);
        }
        this.remapper = config.remap().map(r -> new IndexRemapper(this, r)).orElse(null);
        this.ema = config.ema().map(e -> new CodebookEma(this, e, codebook)).orElse(null);
        if (ema != null) {
            codebook.set_requires_grad(false);
        }
        this.restarts = config.restartAfterSteps() > 0
                ? new DeadCodeRestarts(config.codebookSize(), config.restartAfterSteps())
                : null;
    }

    /** The configuration. */
    public VectorQuantizerConfig config() {
        return config;
    }

    /** The codebook (K, C), the live {@code embedding.weight}. */
    public Tensor codebook() {
        return codebook;
    }

    @Override
    public long channels() {
        return config.dim();
    }

    @Override
    public long indexRange() {
        return config.indexRange();
    }

    /**
     * Quantizes latents (N, C, H, W): quantized (N, C, H, W), loss (scalar) and indices (N, H, W) (taming's
     * {@code sane_index_shape}; its flat index tensor is these indices in row-major order), remapped when configured.
     *
     * @throws IllegalArgumentException when the latents are not 4-D with C channels
     */
    @Override
    public Quantization quantize(Tensor latents) {
        if (latents.dim() != 4 || latents.size(1) != config.dim()) {
            throw new IllegalArgumentException("vector quantizer: latents must be (N, " + config.dim() + ", H, W), got "
                    + Shapes.describe(latents));
        }
        long n = latents.size(0);
        long h = latents.size(2);
        long w = latents.size(3);
        Tensor z = latents.permute(0, 2, 3, 1).contiguous().view(-1, config.dim());
        if (config.cosine()) {
            z = normalize(z);
        }
        boolean training = is_training();
        if (training && restarts != null) {
            restartDeadCodes(z.detach());
        }
        Tensor codes = config.cosine() ? normalize(codebook) : codebook;
        Tensor nearest = nearestCodes(z, codes);
        Tensor q = embedding(codes, nearest);
        Tensor loss = loss(q, z);
        if (training && ema != null) {
            try (NoGradGuard noGrad = new NoGradGuard()) {
                ema.step(z.detach(), nearest, codebook);
            }
        }
        if (training && restarts != null) {
            restarts.observe(nearest);
        }
        Tensor straightThrough = z.add(q.sub(z).detach());
        Tensor quantized =
                straightThrough.view(n, h, w, config.dim()).permute(0, 3, 1, 2).contiguous();
        Tensor indices = nearest.view(n, h, w);
        if (remapper != null) {
            indices = remapper.toUsed(indices, generator);
        }
        return new Quantization(quantized, loss, indices, indexRange());
    }

    /**
     * The codes (N, C, H, W) of indices (N, H, W) (taming's {@code get_codebook_entry}, unmapping remapped indices).
     *
     * @throws IllegalArgumentException when the indices are not 3-D int64 in [0, {@link #indexRange()})
     */
    @Override
    public Tensor codes(Tensor indices) {
        Indices.check(indices, indexRange(), "vector quantizer");
        Tensor rows = remapper != null ? remapper.toCodebook(indices) : indices;
        Tensor codes = config.cosine() ? normalize(codebook) : codebook;
        return embedding(codes, rows).permute(0, 3, 1, 2).contiguous();
    }

    /** argmin over codes of |z|^2 + |e|^2 - 2 z.e, as taming computes the distances; (M, C), (K, C) -> (M). */
    private static Tensor nearestCodes(Tensor z, Tensor codes) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor distances = z.pow(new Scalar(2.0))
                    .sum(new long[] {1}, true, new ScalarTypeOptional())
                    .add(codes.pow(new Scalar(2.0)).sum(1))
                    .sub(z.matmul(codes.t()).mul(new Scalar(2.0)));
            return argmin(distances, new LongOptional(1), false);
        }
    }

    /** The codebook and commitment terms of q and z (M, C), weighted as configured. */
    private Tensor loss(Tensor q, Tensor z) {
        Tensor commitment = q.detach().sub(z).pow(new Scalar(2.0)).mean();
        if (ema != null) {
            return commitment.mul(new Scalar(config.beta()));
        }
        Tensor codebookTerm = q.sub(z.detach()).pow(new Scalar(2.0)).mean();
        return config.legacy()
                ? commitment.add(codebookTerm.mul(new Scalar(config.beta())))
                : commitment.mul(new Scalar(config.beta())).add(codebookTerm);
    }

    /** Re-seeds the dead codes from rows of this batch's latents {@code z} (M, C), drawn from the generator. */
    private void restartDeadCodes(Tensor z) {
        long[] dead = restarts.takeDead();
        if (dead.length == 0) {
            return;
        }
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor rows = randint(
                            z.size(0),
                            new long[] {dead.length},
                            new GeneratorOptional(generator),
                            new TensorOptions(ScalarType.Long))
                    .to(z.device(), ScalarType.Long);
            Tensor fresh = z.index_select(0, rows).to(codebook.scalar_type());
            Tensor codes = tensor(dead).to(codebook.device(), ScalarType.Long);
            codebook.index_copy_(0, codes, fresh);
            if (ema != null) {
                ema.reseed(codes, fresh);
            }
        }
    }
}
