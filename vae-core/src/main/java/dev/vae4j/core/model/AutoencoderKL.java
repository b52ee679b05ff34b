package dev.vae4j.core.model;

import dev.vae4j.core.io.DiffusersKeyMapping;
import dev.vae4j.core.io.LoadReport;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.nn.Conv2d;
import dev.vae4j.core.nn.Layers;
import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.core.tensor.TensorScope;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The KL-regularised autoencoder of latent diffusion, numerically identical to diffusers {@code AutoencoderKL} for
 * every configuration diffusers accepts (SD 1.x/2.x, SDXL, SD3, FLUX.1 and any tiny variant). Parameter names equal
 * diffusers' state-dict keys, so a diffusers {@code diffusion_pytorch_model.safetensors} loads as is.
 *
 * <p>Images are float (N, in_channels, H, W) in [-1, 1] with H and W multiples of the downsampling factor f; latents
 * are (N, latent_channels, H/f, W/f). Scaling/shift factors are not applied inside the model: see
 * {@link #latentNormalizer()}.
 */
public final class AutoencoderKL extends Module implements TrainableAutoencoder {
    /** GroupNorm epsilon used throughout the diffusers VAE. */
    public static final double NORM_EPS = 1e-6;
    /** Weights file name of a diffusers model folder. */
    public static final String WEIGHTS_FILE = "diffusion_pytorch_model.safetensors";
    /** Config file name of a diffusers model folder. */
    public static final String CONFIG_FILE = "config.json";

    private final AutoencoderKLConfig config;
    private final Encoder encoder;
    private final Decoder decoder;
    private final Conv2d quantConv;
    private final Conv2d postQuantConv;

    /** A model with PyTorch's default random initialisation. */
    public AutoencoderKL(AutoencoderKLConfig config) {
        this.config = config;
        encoder = register_module("encoder", new Encoder(config));
        decoder = register_module("decoder", new Decoder(config));
        long latent = config.latentChannels();
        long moments = (long) config.options().momentsPerLatent() * latent;
        boolean standardized = config.options().weightStandardized();
        quantConv = config.useQuantConv()
                ? register_module("quant_conv", Layers.conv(moments, moments, 1, 1, 0, standardized))
                : null;
        postQuantConv = config.usePostQuantConv()
                ? register_module("post_quant_conv", Layers.conv(latent, latent, 1, 1, 0, standardized))
                : null;
    }

    /**
     * Loads a diffusers model folder ({@code config.json} + {@code diffusion_pytorch_model.safetensors}), or a pipeline
     * folder holding them under {@code vae/}. Strict: any missing, unexpected or mis-shaped key throws
     * {@link dev.vae4j.core.io.WeightLoadingException} listing all of them. Legacy attention names are accepted.
     */
    public static AutoencoderKL fromPretrained(Path dir) {
        return loadPretrained(dir, true).model();
    }

    /** Like {@link #fromPretrained(Path)} but lenient: loads what matches and returns the report of the rest. */
    public static Loaded loadPretrained(Path dir, boolean strict) {
        Path folder = ModelFolder.resolve(dir);
        AutoencoderKL model = new AutoencoderKL(AutoencoderKLConfig.read(folder.resolve(CONFIG_FILE)));
        LoadReport report = model.loadWeights(folder.resolve(WEIGHTS_FILE), strict);
        return new Loaded(model, report);
    }

    /**
     * Loads a single-file checkpoint in diffusers, legacy diffusers or LDM/CompVis naming (with or without the
     * {@code first_stage_model.} prefix) into a model built from {@code config}. Strict. The file may be safetensors or
     * a PyTorch pickle ({@code .ckpt/.pth/.pt/.bin}, e.g. {@code vae-ft-mse-840000-ema-pruned.ckpt} or a Lightning
     * checkpoint whose {@code state_dict} holds the weights), read without running any code.
     */
    public static AutoencoderKL fromSingleFile(Path file, AutoencoderKLConfig config) {
        AutoencoderKL model = new AutoencoderKL(config);
        model.loadWeights(file, true);
        return model;
    }

    /**
     * Copies the weights of a checkpoint file into this model: safetensors, or a PyTorch pickle
     * ({@code .ckpt/.pth/.pt/.bin}, see {@link dev.vae4j.core.io.torch.CheckpointFiles}), in any naming
     * {@link DiffusersKeyMapping} understands and any float dtype.
     *
     * @param strict throw on any missing, unexpected or mis-shaped key instead of returning the report
     */
    public LoadReport loadWeights(Path file, boolean strict) {
        try (dev.vae4j.core.io.torch.CheckpointFiles.Opened opened =
                dev.vae4j.core.io.torch.CheckpointFiles.open(file)) {
            TensorSource source = DiffusersKeyMapping.wrap(opened, config.levels());
            return StateDict.load(this, source, strict, file.toString());
        }
    }

    /**
     * Writes a diffusers model folder ({@code config.json} and float32 {@code diffusion_pytorch_model.safetensors} with
     * {@code {"format": "pt"}} metadata) that diffusers' {@code AutoencoderKL.from_pretrained} loads.
     */
    @Override
    public void save(Path dir) {
        StateDict.save(this, dir.resolve(WEIGHTS_FILE));
        config.write(dir.resolve(CONFIG_FILE));
    }

    /**
     * Makes the posterior's log-variance the constant {@code log(variance)} for every input, the posterior a model
     * trained with a fixed variance (a recipe's {@code fixed_variance}, cloneofsimo/vqgan-training's constant variance)
     * was trained with: the log-variance outputs of the last moments layer ({@code quant_conv}, else the encoder's
     * {@code conv_out}) get weight 0 and bias {@code log(variance)}; the means are unchanged. Saved afterwards, the
     * weights give diffusers' {@code AutoencoderKL}, {@code latent_dist.sample()} and a latent cache's posterior
     * samples the variance training used, instead of the never-trained predicted one.
     *
     * @param variance the posterior variance (a finite number > 0)
     * @throws IllegalArgumentException if the variance is not a finite number > 0, the posterior is not Gaussian
     *     ({@code latent_sampling} other than gaussian emits means only) or the moments layer is weight-standardised
     */
    public void fixPosteriorVariance(double variance) {
        if (!(variance > 0) || Double.isInfinite(variance)) {
            throw new IllegalArgumentException("posterior variance " + variance + " is not a finite number > 0");
        }
        if (!posteriorVarianceFixable()) {
            throw new IllegalArgumentException("only a Gaussian posterior (latent_sampling gaussian) of plain"
                    + " convolutions has a log-variance to fix; this model has latent_sampling "
                    + config.options().latentSampling() + ", weight_standardized_convs "
                    + config.options().weightStandardized());
        }
        String layer = quantConv != null ? "quant_conv" : "encoder.conv_out";
        Map<String, Tensor> parameters = StateDict.of(this);
        long latent = config.latentChannels();
        try (NoGradGuard noGrad = new NoGradGuard()) {
            parameters.get(layer + ".weight").narrow(0, latent, latent).zero_();
            parameters.get(layer + ".bias").narrow(0, latent, latent).fill_(new Scalar(Math.log(variance)));
        }
    }

    /**
     * Whether {@link #fixPosteriorVariance} applies: a Gaussian posterior ({@code latent_sampling gaussian}) whose
     * moments layer is a plain convolution.
     */
    public boolean posteriorVarianceFixable() {
        return config.options().momentsPerLatent() == 2 && !config.options().weightStandardized();
    }

    /** The configuration this model was built from. */
    public AutoencoderKLConfig config() {
        return config;
    }

    /** The encoder (images -> moments). */
    public Encoder encoder() {
        return encoder;
    }

    /** The decoder (latents -> images). */
    public Decoder decoder() {
        return decoder;
    }

    /**
     * Encodes images (N, in_channels, H, W) into the posterior; H, W multiples of the downsampling factor. With
     * {@code latent_sampling} other than {@code gaussian} the encoder emits the mean only and the posterior has the
     * configured constant variance ({@link DiagonalGaussian#fixedVariance}, {@link DiagonalGaussian#multiplicative}).
     *
     * @throws IllegalArgumentException for non-4-D input, a wrong channel count or indivisible sides
     */
    @Override
    public DiagonalGaussian encode(Tensor images) {
        Shapes.requireNchw(images, "images", config.inChannels(), config.downsamplingFactor());
        return posterior(moments(images));
    }

    /** The posterior of moments (N, mL, h, w) as {@link #moments(Tensor)} returns them (see {@link #encode}). */
    @Override
    public DiagonalGaussian posterior(Tensor moments) {
        double std = config.options().latentNoiseStd();
        return switch (config.options().latentSampling()) {
            case GAUSSIAN -> DiagonalGaussian.fromMoments(moments);
            case ADDITIVE -> DiagonalGaussian.fixedVariance(moments, std * std);
            case MULTIPLICATIVE -> DiagonalGaussian.multiplicative(moments, std);
        };
    }

    /**
     * Encoder plus {@code quant_conv}: images (N, in_channels, H, W) of any size to posterior moments (N, mL,
     * ceil(H/f), ceil(W/f)), m = 2 for Gaussian sampling (mean, logvar), else 1 (mean). Used by tiling, whose edge
     * tiles need not be multiples of f. The encoder's intermediate tensors are freed when this returns (see
     * {@link TensorScope#scoped}).
     */
    @Override
    public Tensor moments(Tensor images) {
        Shapes.requireNchw(images, "images", config.inChannels(), 1);
        return TensorScope.scoped(() -> {
            Tensor moments = encoder.forward(images);
            return quantConv == null ? moments : quantConv.forward(moments);
        });
    }

    /**
     * Decodes raw (unscaled) latents (N, latent_channels, h, w) into images (N, out_channels, h*f, w*f). The decoder's
     * intermediate tensors are freed when this returns (see {@link TensorScope#scoped}).
     *
     * @throws IllegalArgumentException for non-4-D input or a wrong channel count
     */
    @Override
    public Tensor decode(Tensor latents) {
        Shapes.requireNchw(latents, "latents", config.latentChannels(), 1);
        return TensorScope.scoped(
                () -> decoder.forward(postQuantConv == null ? latents : postQuantConv.forward(latents)));
    }

    /** diffusers' default forward: decode the posterior mode. (N, C, H, W) -> (N, out_channels, H, W). */
    public Tensor forward(Tensor images) {
        return decode(encode(images).mode());
    }

    /** Forward with a posterior sample drawn from {@code generator}. */
    public Tensor forward(Tensor images, Generator generator) {
        return decode(encode(images).sample(generator));
    }

    @Override
    public Module module() {
        return this;
    }

    @Override
    public List<Tensor> decoderParameters() {
        List<Tensor> params = new ArrayList<>();
        if (postQuantConv != null) {
            params.addAll(StateDict.parameters(postQuantConv));
        }
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

    @Override
    public int latentChannels() {
        return config.latentChannels();
    }

    @Override
    public int downsamplingFactor() {
        return config.downsamplingFactor();
    }

    @Override
    public LatentNormalizer latentNormalizer() {
        return LatentNormalizer.of(config);
    }

    /** The config's {@code force_upcast}. */
    @Override
    public boolean forceUpcast() {
        return config.forceUpcast();
    }

    /**
     * A model loaded leniently, with the account of what did not match.
     *
     * @param model the model (unmatched parameters keep their initial values)
     * @param report missing, unexpected and mis-shaped keys
     */
    public record Loaded(AutoencoderKL model, LoadReport report) {}
}
