package dev.vae4j.core.model;

import dev.vae4j.core.io.LoadReport;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.io.torch.CheckpointFiles;
import dev.vae4j.core.nn.Conv2d;
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
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code VQModel} (the VQ-VAE / VQGAN first stage of LDM's {@code vq-f4}, taming's VQGAN): the
 * {@link AutoencoderKL} encoder with one output channel per latent, {@code quant_conv} (latent -> D), a
 * {@link VectorQuantizer} of K codes (taming's {@code VectorQuantizer2}, beta 0.25, legacy placement),
 * {@code post_quant_conv} (D -> latent) and the {@link AutoencoderKL} decoder. Parameter names equal diffusers' keys
 * ({@code encoder.*}, {@code quant_conv.*}, {@code quantize.embedding.weight}, {@code post_quant_conv.*},
 * {@code decoder.*}). With {@code norm_type spatial} (MoVQ) the decoder's norms are SpatialNorms conditioned on the
 * quantized latent ({@link Decoder#spatial}).
 *
 * <p>As an {@link Autoencoder} its latents are the quantized latents (N, D, H/f, W/f): {@link #encode} returns them as
 * a {@link QuantizedLatent} (which carries the quantizer's loss and indices for training), and {@link #decode}, like
 * diffusers' {@code decode}, quantizes what it is given before decoding (a no-op on codes). {@link #encodeLatents}
 * gives diffusers' {@code encode} (before quantization), {@link #quantize} the indices and the commitment loss,
 * {@link #decodeIndices} decodes code indices.
 */
public final class VQModel extends Module implements TrainableAutoencoder {
    private final VQModelConfig config;
    private final Encoder encoder;
    private final Conv2d quantConv;
    private final VectorQuantizer quantizer;
    private final Conv2d postQuantConv;
    private final Decoder decoder;

    /** A model with PyTorch's default initialisation and codes uniform in [-1/K, 1/K] (seed 0). */
    public VQModel(VQModelConfig config) {
        this.config = config;
        AutoencoderKLConfig backbone = config.backbone();
        long latent = config.latentChannels();
        long dim = config.codeDim();
        encoder = register_module("encoder", new Encoder(backbone));
        quantConv = register_module("quant_conv", new Conv2d(latent, dim, 1, 1, 0));
        quantizer = register_module(
                "quantize",
                new VectorQuantizer(VectorQuantizerConfig.builder(config.numVqEmbeddings(), dim)
                        .beta(0.25)
                        .legacy(true)
                        .build()));
        postQuantConv = register_module("post_quant_conv", new Conv2d(dim, latent, 1, 1, 0));
        decoder = register_module(
                "decoder", config.spatialNorm() ? Decoder.spatial(backbone, config.codeDim()) : new Decoder(backbone));
    }

    /**
     * Loads a diffusers model folder ({@code config.json} + {@code diffusion_pytorch_model.safetensors}, or a pipeline
     * folder's {@code vae/}), strictly.
     *
     * @throws dev.vae4j.core.io.WeightLoadingException listing every missing, unexpected or mis-shaped key
     */
    public static VQModel fromPretrained(Path dir) {
        Path folder = ModelFolder.resolve(dir);
        VQModel model = new VQModel(VQModelConfig.read(folder.resolve(AutoencoderKL.CONFIG_FILE)));
        model.loadWeights(folder.resolve(AutoencoderKL.WEIGHTS_FILE), true);
        return model;
    }

    /**
     * Copies the weights of a checkpoint file (safetensors or a PyTorch pickle) in diffusers or LDM/CompVis naming
     * (with or without the {@code first_stage_model.} prefix; LDM's VQ first stages name the codebook
     * {@code quantize.embedding.weight} like diffusers) into this model.
     *
     * @param strict throw on any missing, unexpected or mis-shaped key instead of returning the report
     */
    public LoadReport loadWeights(Path file, boolean strict) {
        try (CheckpointFiles.Opened opened = CheckpointFiles.open(file)) {
            TensorSource source = VQCheckpointConverter.diffusersNames(opened, config);
            return StateDict.load(this, source, strict, file.toString());
        }
    }

    /** Writes a diffusers model folder that diffusers' {@code VQModel.from_pretrained} loads. */
    @Override
    public void save(Path dir) {
        StateDict.save(this, dir.resolve(AutoencoderKL.WEIGHTS_FILE));
        config.write(dir.resolve(AutoencoderKL.CONFIG_FILE));
    }

    /** The configuration. */
    public VQModelConfig config() {
        return config;
    }

    /** The vector quantizer ({@code quantize}), with its codebook and options. */
    public VectorQuantizer vectorQuantizer() {
        return quantizer;
    }

    /**
     * diffusers' {@code encode}: images (N, in, H, W), sides multiples of f, to the latents before quantization (N, D,
     * H/f, W/f).
     *
     * @throws IllegalArgumentException for non-4-D input, a wrong channel count or indivisible sides
     */
    public Tensor encodeLatents(Tensor images) {
        Shapes.requireNchw(images, "images", config.inChannels(), config.downsamplingFactor());
        return TensorScope.scoped(() -> quantConv.forward(encoder.forward(images)));
    }

    /** Quantizes latents (N, D, h, w): the codes, the commitment loss and the indices (N, h, w). */
    public Quantization quantize(Tensor latents) {
        return quantizer.quantize(latents);
    }

    /**
     * The quantized latents (N, D, H/f, W/f) of images (N, in, H, W), as a point posterior carrying the quantization
     * (in training mode an EMA codebook updates here, once per call).
     */
    @Override
    public QuantizedLatent encode(Tensor images) {
        return new QuantizedLatent(quantize(encodeLatents(images)));
    }

    /**
     * Decodes the quantized latents (N, D, h, w) that {@link #encode} sampled without quantizing them again (taming's
     * {@code VQModel.decode}): {@link #decodeQuantized}.
     */
    @Override
    public Tensor decodeSample(Tensor latents) {
        return decodeQuantized(latents);
    }

    /**
     * diffusers' {@code decode(h)}: quantizes latents (N, D, h, w), then {@code post_quant_conv} and the decoder, to
     * images (N, out, h*f, w*f).
     *
     * @throws IllegalArgumentException for non-4-D input or a wrong channel count
     */
    @Override
    public Tensor decode(Tensor latents) {
        Shapes.requireNchw(latents, "latents", config.codeDim(), 1);
        return decodeQuantized(quantize(latents).quantized());
    }

    /**
     * Decodes code indices (N, h, w) in [0, K) (diffusers' {@code decode(h, force_not_quantize=True)} with
     * {@code lookup_from_codebook}) to images (N, out, h*f, w*f).
     *
     * @throws IllegalArgumentException when the indices are not int64 (N, h, w) in range
     */
    public Tensor decodeIndices(Tensor indices) {
        return decodeQuantized(quantizer.codes(indices));
    }

    /**
     * {@code post_quant_conv} and the decoder on quantized latents (N, D, h, w), without quantizing again; a
     * {@code spatial} decoder is conditioned on them (as diffusers passes {@code quant}, before
     * {@code post_quant_conv}).
     */
    public Tensor decodeQuantized(Tensor quantized) {
        Shapes.requireNchw(quantized, "quantized latents", config.codeDim(), 1);
        return TensorScope.scoped(() -> decoder.forward(postQuantConv.forward(quantized), quantized));
    }

    /** diffusers' forward: {@code decode(encode(images).latents)}, images (N, in, H, W) -> (N, out, H, W). */
    public Tensor forward(Tensor images) {
        return decode(encodeLatents(images));
    }

    @Override
    public Module module() {
        return this;
    }

    @Override
    public List<Tensor> decoderParameters() {
        List<Tensor> params = new ArrayList<>(StateDict.parameters(postQuantConv));
        params.addAll(StateDict.parameters(decoder));
        return params;
    }

    @Override
    public Tensor lastLayerWeight() {
        return decoder.convOut().weight();
    }

    @Override
    public int imageChannels() {
        return config.inChannels();
    }

    @Override
    public int outputChannels() {
        return config.outChannels();
    }

    /** The code dimension D (the quantized latents' channels). */
    @Override
    public int latentChannels() {
        return config.codeDim();
    }

    @Override
    public int downsamplingFactor() {
        return config.downsamplingFactor();
    }

    /** The config's {@code scaling_factor}, no shift. */
    @Override
    public LatentNormalizer latentNormalizer() {
        return LatentNormalizer.of(config.scalingFactor(), 0.0);
    }

    @Override
    public boolean forceUpcast() {
        return config.forceUpcast();
    }

    /** The vector quantizer: raw latents from {@link #encode} are its codes. */
    @Override
    public Optional<Quantizer> quantizer() {
        return Optional.of(quantizer);
    }
}
