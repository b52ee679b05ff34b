package dev.vae4j.core.model;

import static org.bytedeco.pytorch.global.torch.createCPUGenerator;

import dev.vae4j.core.io.CheckpointLayout;
import dev.vae4j.core.io.LoadReport;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.io.torch.CheckpointFiles;
import dev.vae4j.core.nn.Conv2d;
import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.quant.Quantization;
import dev.vae4j.core.quant.Quantizer;
import dev.vae4j.core.quant.VectorQuantizer;
import dev.vae4j.core.quant.VectorQuantizerConfig;
import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.core.tensor.TensorScope;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * stanipov/pytorch-diffusion's VQ-VAE ({@code src/models/vq_vae.py} {@code VQModel}): the post-activation
 * {@link Encoder} (one channel per latent), the weight-standardised 1x1 {@code pre_quantizer} (latent -> D), a
 * {@link VectorQuantizer} of K codes (taming's {@code VectorQuantizer2}, {@code beta} = the commitment cost, legacy
 * placement, no remapping), the weight-standardised 1x1 {@code post_quantizer} (D -> latent) and the {@link Decoder}.
 * Its children carry {@link AutoencoderKL}'s names ({@code encoder}, {@code quant_conv},
 * {@code quantize.embedding.weight}, {@code post_quant_conv}, {@code decoder}); upstream state dicts load through
 * {@link CheckpointLayout#PYTORCH_DIFFUSION_VQ}.
 *
 * <p>Upstream semantics: {@link #encodeLatents} is its {@code encode} (encoder and pre-quantizer, no quantization),
 * {@link #decode} its {@code decode} (quantize, post-quantizer, decoder), {@link #forward} its {@code forward} (the
 * reconstruction, the quantizer loss and the indices; its perplexity and one-hot encodings are {@code None} upstream,
 * {@link Quantization#usage()} gives usage and perplexity). As an {@link Autoencoder} its latents are the quantized
 * latents (N, D, H/f, W/f), returned by {@link #encode} as a {@link QuantizedLatent}.
 */
public final class PytorchDiffusionVQModel extends Module implements TrainableAutoencoder {
    private final PytorchDiffusionVQConfig config;
    private final Encoder encoder;
    private final Conv2d preQuantizer;
    private final VectorQuantizer quantizer;
    private final Conv2d postQuantizer;
    private final Decoder decoder;

    /**
     * What {@link #forward} returns.
     *
     * @param decoded the reconstruction (N, out, H, W)
     * @param quantization the quantized latents (N, D, H/f, W/f), the quantizer loss (scalar: codebook term plus
     *     commitment cost times the commitment term) and the indices (N, H/f, W/f)
     */
    public record Output(Tensor decoded, Quantization quantization) {}

    /**
     * A model with PyTorch's default initialisation and, as upstream's {@code VectorQuantizer} draws them, codes
     * uniform in [-r, r], r = max(1e-3, 1/K) (seed 0).
     */
    public PytorchDiffusionVQModel(PytorchDiffusionVQConfig config) {
        this.config = config;
        long latent = config.latentChannels();
        long dim = config.vqEmbedDim();
        encoder = register_module("encoder", new Encoder(config.backbone()));
        preQuantizer = register_module("quant_conv", Layers.conv(latent, dim, 1, 1, 0, true));
        quantizer = register_module(
                "quantize",
                new VectorQuantizer(VectorQuantizerConfig.builder(config.numVqEmbeddings(), dim)
                        .beta(config.commitmentCost())
                        .legacy(true)
                        .build()));
        postQuantizer = register_module("post_quant_conv", Layers.conv(dim, latent, 1, 1, 0, true));
        decoder = register_module("decoder", new Decoder(config.backbone()));
        initialiseCodebook(quantizer.codebook(), config.numVqEmbeddings());
    }

    private static void initialiseCodebook(Tensor codebook, int codes) {
        double range = Math.max(1e-3, 1.0 / codes);
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            codebook.copy_(codebook.new_empty(codebook.sizes())
                    .uniform_(-range, range, new GeneratorOptional(createCPUGenerator(0))));
        }
    }

    /**
     * Loads a vae4j model folder ({@code config.json} + {@code diffusion_pytorch_model.safetensors}), strictly.
     *
     * @throws dev.vae4j.core.io.WeightLoadingException listing every missing, unexpected or mis-shaped key
     */
    public static PytorchDiffusionVQModel fromPretrained(Path dir) {
        Path folder = ModelFolder.resolve(dir);
        PytorchDiffusionVQModel model =
                new PytorchDiffusionVQModel(PytorchDiffusionVQConfig.read(folder.resolve(AutoencoderKL.CONFIG_FILE)));
        try (CheckpointFiles.Opened opened = CheckpointFiles.open(folder.resolve(AutoencoderKL.WEIGHTS_FILE))) {
            StateDict.load(model, opened, true, folder.toString());
        }
        return model;
    }

    /**
     * Copies the weights of an upstream state dict ({@code torch.save(model.state_dict())} of {@code VQModel}, training
     * wrappers allowed) into this model.
     *
     * @param strict throw on any missing, unexpected or mis-shaped key instead of returning the report
     * @throws dev.vae4j.core.io.WeightLoadingException when strict and the keys do not fit
     */
    public LoadReport loadUpstreamWeights(Path file, boolean strict) {
        try (CheckpointFiles.Opened opened = CheckpointFiles.open(file)) {
            TensorSource renamed = CheckpointLayout.PYTORCH_DIFFUSION_VQ.toVae4jNames(
                    opened, config.backbone().levels());
            return StateDict.load(this, renamed, strict, file.toString());
        }
    }

    /** Writes a vae4j model folder that {@link #fromPretrained} (and {@code Autoencoders.load}) reads. */
    @Override
    public void save(Path dir) {
        StateDict.save(this, dir.resolve(AutoencoderKL.WEIGHTS_FILE));
        config.write(dir.resolve(AutoencoderKL.CONFIG_FILE));
    }

    /** The configuration. */
    public PytorchDiffusionVQConfig config() {
        return config;
    }

    /** The vector quantizer ({@code _vq} upstream, {@code quantize} here), with its codebook. */
    public VectorQuantizer vectorQuantizer() {
        return quantizer;
    }

    /**
     * Upstream {@code encode(x, tanh)} with {@code tanh} = {@link PytorchDiffusionVQConfig#encodeTanhOut()}: images (N,
     * in, H, W), sides multiples of f, to the latents before quantization (N, D, H/f, W/f).
     *
     * @throws IllegalArgumentException for non-4-D input, a wrong channel count or indivisible sides
     */
    public Tensor encodeLatents(Tensor images) {
        Shapes.requireNchw(images, "images", imageChannels(), downsamplingFactor());
        return TensorScope.scoped(() -> {
            Tensor latents = preQuantizer.forward(encoder.forward(images));
            return config.encodeTanhOut() ? latents.tanh() : latents;
        });
    }

    /**
     * The quantizer ({@code _vq}) on latents (N, D, h, w): quantized latents, loss and indices (N, h, w).
     *
     * @throws IllegalArgumentException when the latents are not (N, D, h, w)
     */
    public Quantization quantize(Tensor latents) {
        return quantizer.quantize(latents);
    }

    /**
     * The quantized latents (N, D, H/f, W/f) of images (N, in, H, W), as a point posterior that carries the
     * quantization (indices, loss), as {@link VQModel#encode} does.
     */
    @Override
    public QuantizedLatent encode(Tensor images) {
        return new QuantizedLatent(quantize(encodeLatents(images)));
    }

    /**
     * Upstream {@code decode(z)}: quantizes latents (N, D, h, w), then the post-quantizer and the decoder, to images
     * (N, out, h*f, w*f).
     *
     * @throws IllegalArgumentException for non-4-D input or a wrong channel count
     */
    @Override
    public Tensor decode(Tensor latents) {
        Shapes.requireNchw(latents, "latents", latentChannels(), 1);
        return decodeQuantized(quantize(latents).quantized());
    }

    /**
     * Decodes code indices (N, h, w) in [0, K) to images (N, out, h*f, w*f).
     *
     * @throws IllegalArgumentException when the indices are not int64 (N, h, w) in range
     */
    public Tensor decodeIndices(Tensor indices) {
        return decodeQuantized(quantizer.codes(indices));
    }

    /** The post-quantizer and the decoder on quantized latents (N, D, h, w), without quantizing again. */
    public Tensor decodeQuantized(Tensor quantized) {
        Shapes.requireNchw(quantized, "quantized latents", latentChannels(), 1);
        return TensorScope.scoped(() -> decoder.forward(postQuantizer.forward(quantized)));
    }

    /**
     * Upstream {@code forward(x)}: images (N, in, H, W) -> the reconstruction (N, out, H, W) and the quantization of
     * the encoded latents (straight-through gradients to the encoder).
     */
    public Output forward(Tensor images) {
        Quantization quantization = quantize(encodeLatents(images));
        return new Output(decodeQuantized(quantization.quantized()), quantization);
    }

    @Override
    public Module module() {
        return this;
    }

    @Override
    public List<Tensor> decoderParameters() {
        List<Tensor> params = new ArrayList<>(StateDict.parameters(postQuantizer));
        params.addAll(StateDict.parameters(decoder));
        return params;
    }

    /** Upstream {@code get_last_layer()}: the decoder's last conv weight. */
    @Override
    public Tensor lastLayerWeight() {
        return decoder.convOut().weight();
    }

    @Override
    public int imageChannels() {
        return config.backbone().inChannels();
    }

    @Override
    public int outputChannels() {
        return config.backbone().outChannels();
    }

    /** The code dimension D (the quantized latents' channels). */
    @Override
    public int latentChannels() {
        return config.vqEmbedDim();
    }

    @Override
    public int downsamplingFactor() {
        return config.downsamplingFactor();
    }

    /** Upstream's {@code scaling_factor}, no shift. */
    @Override
    public LatentNormalizer latentNormalizer() {
        return LatentNormalizer.of(config.backbone().scalingFactor(), 0.0);
    }

    /** The vector quantizer: raw latents from {@link #encode} are its codes. */
    @Override
    public Optional<Quantizer> quantizer() {
        return Optional.of(quantizer);
    }
}
