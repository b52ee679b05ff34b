package dev.vae4j.core.model.tiny;

import dev.vae4j.core.io.LoadReport;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.model.DeterministicLatent;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.core.model.TrainableAutoencoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code AutoencoderTiny}: TAESD (madebyollin/taesd), a tiny distilled encoder and decoder in the latent
 * space of a big VAE, for fast previews and as a cheap stand-in VAE. Images are float (N, 3, H, W) in [-1, 1] like
 * every vae4j model; latents (N, L, H/f, W/f). The encoder is deterministic: {@link #encode} returns a
 * {@link DeterministicLatent}.
 *
 * <p><b>Latent scale.</b> taesd.py's weights work on the latents the diffusion model sees — the big VAE's latents
 * <i>after</i> its scaling/shift (SD's {@code z * 0.18215}, FLUX.1's {@code (z - 0.1159) * 0.3611}) — and their config
 * says {@code scaling_factor 1.0, shift_factor 0.0}. So, exactly as with the big VAE, pass latents through
 * {@link #latentNormalizer()} ({@code denormalize} before {@link #decode}, {@code normalize} after {@link #encode}) and
 * the same normalised latents work with both models; {@link LatentPreview} does this.
 *
 * <p><b>Halves.</b> A model may hold only its encoder or only its decoder (taesd.py ships them as two files, and
 * previews need only the decoder); using the missing half throws {@link IllegalStateException}.
 *
 * <p>A model folder holds {@value #CONFIG_FILE} ({@link AutoencoderTinyConfig}) and {@value #WEIGHTS_FILE} with
 * diffusers' names ({@code encoder.layers.1.conv.0.weight}, {@code decoder.layers.0.weight}, ...), which diffusers
 * loads too when the config uses no vae4j-only key. taesd.py's {@code .pth} files convert with
 * {@link TaesdCheckpoints}.
 */
public final class AutoencoderTiny extends Module implements TrainableAutoencoder {
    /** Weights file name of a model folder (diffusers'). */
    public static final String WEIGHTS_FILE = "diffusion_pytorch_model.safetensors";
    /** Config file name of a model folder. */
    public static final String CONFIG_FILE = "config.json";

    private final AutoencoderTinyConfig config;
    private final TinyEncoder encoder;
    private final TinyDecoder decoder;
    private final String origin;

    /** Both halves, with PyTorch's default random initialisation. */
    public AutoencoderTiny(AutoencoderTinyConfig config) {
        this(config, true, true, "a freshly initialised AutoencoderTiny");
    }

    /**
     * The halves asked for, with PyTorch's default random initialisation.
     *
     * @param origin what the model comes from, named when a missing half is used
     * @throws IllegalArgumentException if neither half is asked for, or the halves' spatial factors differ
     */
    public AutoencoderTiny(AutoencoderTinyConfig config, boolean withEncoder, boolean withDecoder, String origin) {
        if (!withEncoder && !withDecoder) {
            throw new IllegalArgumentException("an AutoencoderTiny needs an encoder, a decoder or both");
        }
        if (withEncoder && withDecoder && config.encoderDownsampling() != config.decoderUpsampling()) {
            throw new IllegalArgumentException("AutoencoderTiny config: the encoder downsamples by "
                    + config.encoderDownsampling() + " but the decoder upsamples by " + config.decoderUpsampling());
        }
        this.config = config;
        this.origin = origin;
        encoder = withEncoder ? register_module("encoder", new TinyEncoder(config)) : null;
        decoder = withDecoder ? register_module("decoder", new TinyDecoder(config)) : null;
    }

    /**
     * Loads a model folder ({@value #CONFIG_FILE} + {@value #WEIGHTS_FILE}) with the halves its weights hold; strict:
     * any missing, unexpected or mis-shaped key throws {@link dev.vae4j.core.io.WeightLoadingException} listing all of
     * them.
     *
     * @throws IllegalArgumentException if the folder or its files are missing or the weights hold neither half
     */
    public static AutoencoderTiny fromPretrained(Path dir) {
        Path weights = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weights)) {
            throw new IllegalArgumentException("no " + WEIGHTS_FILE + " in AutoencoderTiny folder " + dir);
        }
        AutoencoderTinyConfig config = AutoencoderTinyConfig.read(dir.resolve(CONFIG_FILE));
        try (SafetensorsReader reader = SafetensorsReader.open(weights)) {
            List<String> names = reader.names();
            boolean withEncoder = names.stream().anyMatch(n -> n.startsWith("encoder."));
            boolean withDecoder = names.stream().anyMatch(n -> n.startsWith("decoder."));
            if (!withEncoder && !withDecoder) {
                throw new IllegalArgumentException(weights + " holds neither encoder.* nor decoder.* weights");
            }
            AutoencoderTiny model = new AutoencoderTiny(config, withEncoder, withDecoder, dir.toString());
            StateDict.load(model, TensorSource.of(reader), true, weights.toString());
            return model;
        }
    }

    /**
     * Copies named weights (diffusers' names) into this model.
     *
     * @param strict throw on any missing, unexpected or mis-shaped key instead of returning the report
     */
    public LoadReport loadWeights(TensorSource source, boolean strict, String what) {
        return StateDict.load(this, source, strict, what);
    }

    /** Writes a model folder: {@value #CONFIG_FILE} and float32 {@value #WEIGHTS_FILE}, each atomically. */
    @Override
    public void save(Path dir) {
        StateDict.save(this, dir.resolve(WEIGHTS_FILE));
        config.write(dir.resolve(CONFIG_FILE));
    }

    /** The configuration. */
    public AutoencoderTinyConfig config() {
        return config;
    }

    /** Whether the model holds its encoder. */
    public boolean hasEncoder() {
        return encoder != null;
    }

    /** Whether the model holds its decoder. */
    public boolean hasDecoder() {
        return decoder != null;
    }

    /**
     * The encoder.
     *
     * @throws IllegalStateException if this model holds only its decoder
     */
    public TinyEncoder encoder() {
        if (encoder == null) {
            throw new IllegalStateException("this AutoencoderTiny (" + origin + ") holds only its decoder: encoding "
                    + "needs the encoder weights (convert both .pth files, --encoder and --decoder)");
        }
        return encoder;
    }

    /**
     * The decoder.
     *
     * @throws IllegalStateException if this model holds only its encoder
     */
    public TinyDecoder decoder() {
        if (decoder == null) {
            throw new IllegalStateException("this AutoencoderTiny (" + origin + ") holds only its encoder: decoding "
                    + "needs the decoder weights (convert both .pth files, --encoder and --decoder)");
        }
        return decoder;
    }

    /**
     * Images (N, in, H, W) in [-1, 1], H and W multiples of f -> the point posterior at latents (N, L, H/f, W/f), in
     * the model's raw latent space (see the class doc for the scale).
     *
     * @throws IllegalArgumentException for a wrong shape
     * @throws IllegalStateException without an encoder
     */
    @Override
    public DeterministicLatent encode(Tensor images) {
        return new DeterministicLatent(encoder().forward(images));
    }

    /**
     * Latents (N, L, h, w) -> images (N, out, fh, fw), about [-1, 1].
     *
     * @throws IllegalArgumentException for a wrong shape
     * @throws IllegalStateException without a decoder
     */
    @Override
    public Tensor decode(Tensor latents) {
        return decoder().forward(latents);
    }

    /**
     * taesd.py's {@code scale_latents} (diffusers' {@code AutoencoderTiny.scale_latents}): raw latents to [0, 1],
     * {@code clamp(z / (2 latent_magnitude) + latent_shift, 0, 1)}, e.g. to store them as an 8-bit image.
     */
    public Tensor toUnitRange(Tensor latents) {
        return latents.div(new Scalar(2 * config.latentMagnitude()))
                .add(new Scalar(config.latentShift()))
                .clamp(new ScalarOptional(new Scalar(0.0)), new ScalarOptional(new Scalar(1.0)));
    }

    /** The inverse of {@link #toUnitRange} (taesd.py's {@code unscale_latents}): {@code (u - shift) 2 magnitude}. */
    public Tensor fromUnitRange(Tensor unit) {
        return unit.sub(new Scalar(config.latentShift())).mul(new Scalar(2 * config.latentMagnitude()));
    }

    @Override
    public Module module() {
        return this;
    }

    /** The decoder's parameters (what decoder-only training and distillation train). */
    @Override
    public List<Tensor> decoderParameters() {
        return StateDict.parameters(decoder());
    }

    @Override
    public Tensor lastLayerWeight() {
        return decoder().lastLayerWeight();
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

    /** The spatial factor of the encoder when the model has one, else of the decoder. */
    @Override
    public int downsamplingFactor() {
        return encoder != null ? config.encoderDownsampling() : config.decoderUpsampling();
    }

    /** The config's {@code scaling_factor} and {@code shift_factor} (identity for taesd.py's weights). */
    @Override
    public LatentNormalizer latentNormalizer() {
        return LatentNormalizer.of(config.scalingFactor(), config.shiftFactor());
    }

    @Override
    public boolean forceUpcast() {
        return config.forceUpcast();
    }
}
