package dev.vae4j.dwt.model;

import dev.vae4j.core.io.LoadReport;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.model.DiagonalGaussian;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.tensor.Shapes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * LiteVAE (Sadat et al. 2024): the wavelet {@link LiteVaeEncoder} and the {@link SmcDecoder}, with the diagonal
 * Gaussian posterior of core and no quant convs. Images are float (N, in_channels, H, W) in [-1, 1], H and W multiples
 * of f = 2^L (8); latents (N, n_z, H/f, W/f). Parameter names are open-LiteVAE's
 * ({@code encoder.extractors.0.init_conv.weight}, {@code decoder.up.3.block.0.conv1.scales}, ...), so an open-LiteVAE
 * {@code state_dict} (without its {@code loss.*} keys) loads by name.
 *
 * <p>A model folder holds {@value #CONFIG_FILE} ({@link LiteVaeConfig}) and {@value #WEIGHTS_FILE} (float32).
 */
public final class LiteVae extends Module implements TrainableAutoencoder {
    /** Weights file name of a model folder. */
    public static final String WEIGHTS_FILE = "model.safetensors";
    /** Config file name of a model folder. */
    public static final String CONFIG_FILE = "config.json";

    private final LiteVaeConfig config;
    private final LiteVaeEncoder encoder;
    private final SmcDecoder decoder;

    /** A model with PyTorch's default random initialisation. */
    public LiteVae(LiteVaeConfig config) {
        this.config = config;
        encoder = register_module("encoder", new LiteVaeEncoder(config));
        decoder = register_module("decoder", new SmcDecoder(config));
    }

    /** Whether {@code dir} is a LiteVAE model folder (its config names {@code LiteVAE}). */
    public static boolean isModelFolder(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG_FILE)) && LiteVaeConfig.isLiteVaeConfig(dir.resolve(CONFIG_FILE));
    }

    /**
     * Loads a model folder ({@value #CONFIG_FILE} + {@value #WEIGHTS_FILE}); strict: any missing, unexpected or
     * mis-shaped key throws {@link dev.vae4j.core.io.WeightLoadingException} listing all of them.
     */
    public static LiteVae fromPretrained(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model folder " + dir + " does not exist or is not a directory");
        }
        LiteVae model = new LiteVae(LiteVaeConfig.read(dir.resolve(CONFIG_FILE)));
        model.loadWeights(dir.resolve(WEIGHTS_FILE), true);
        return model;
    }

    /**
     * Copies the weights of a safetensors file into this model.
     *
     * @param strict throw on any missing, unexpected or mis-shaped key instead of returning the report
     */
    public LoadReport loadWeights(Path file, boolean strict) {
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            return StateDict.load(this, TensorSource.of(reader), strict, file.toString());
        }
    }

    /** Writes a model folder: {@value #CONFIG_FILE} and float32 {@value #WEIGHTS_FILE} ({@code format: pt}). */
    @Override
    public void save(Path dir) {
        StateDict.save(this, dir.resolve(WEIGHTS_FILE));
        config.write(dir.resolve(CONFIG_FILE));
    }

    /** The configuration this model was built from. */
    public LiteVaeConfig config() {
        return config;
    }

    /** The wavelet encoder (images -> moments). */
    public LiteVaeEncoder encoder() {
        return encoder;
    }

    /** The SMC decoder (latents -> images). */
    public SmcDecoder decoder() {
        return decoder;
    }

    /**
     * Images (N, in_channels, H, W), H and W multiples of 2^L -> posterior over (N, n_z, H/2^L, W/2^L).
     *
     * @throws IllegalArgumentException for a wrong shape
     */
    @Override
    public DiagonalGaussian encode(Tensor images) {
        return DiagonalGaussian.fromMoments(encoder.forward(images));
    }

    /**
     * Latents (N, n_z, h, w) -> images (N, out_channels, h 2^L, w 2^L).
     *
     * @throws IllegalArgumentException for a wrong shape
     */
    @Override
    public Tensor decode(Tensor latents) {
        Shapes.requireNchw(latents, "latents", config.latentChannels(), 1);
        return decoder.forward(latents);
    }

    /** Decode of the posterior mode: (N, C, H, W) -> (N, out_channels, H, W). */
    public Tensor forward(Tensor images) {
        return decode(encode(images).mode());
    }

    /** Decode of a posterior sample drawn with {@code generator}. */
    public Tensor forward(Tensor images, Generator generator) {
        return decode(encode(images).sample(generator));
    }

    @Override
    public Module module() {
        return this;
    }

    @Override
    public java.util.List<Tensor> decoderParameters() {
        return StateDict.parameters(decoder);
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
        return LatentNormalizer.of(config.scalingFactor(), config.shiftFactor());
    }
}
