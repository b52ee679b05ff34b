package dev.vae4j.cli;

import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.InferenceOptions;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.tensor.Precision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * The {@code --precision} and {@code --channels-last} options of the commands that run the model (through
 * {@link ComputeOptions}) and of {@code bench}: the core {@link InferenceOptions}.
 */
public final class FastPathOptions {
    private static final Logger LOG = LoggerFactory.getLogger(FastPathOptions.class);

    @Option(
            names = "--precision",
            paramLabel = "P",
            defaultValue = "fp32",
            converter = PrecisionConverter.class,
            description = "fp32, bf16 or fp16 (autocast; default: ${DEFAULT-VALUE}). As in diffusers, fp16 runs"
                    + " in fp32 for models whose config sets force_upcast.")
    private Precision precision = Precision.FP32;

    @Option(
            names = "--channels-last",
            description = "Keep weights and activations in the channels-last memory"
                    + " format (same results within 1e-5; often faster convolutions on CPU).")
    private boolean channelsLast;

    /** Creates the options (picocli instantiates them). */
    public FastPathOptions() {}

    /** The options as given. */
    public InferenceOptions options() {
        return new InferenceOptions(precision, channelsLast);
    }

    /** Wraps {@code model} with {@link #options()}, logging the precision it will really run in. */
    public Autoencoder apply(TrainableAutoencoder model) {
        InferenceOptions options = options();
        Precision effective = options.precisionFor(model.forceUpcast());
        if (effective != precision) {
            LOG.warn(
                    "the model's config sets force_upcast: running it in {} instead of {}, as diffusers does",
                    effective,
                    precision);
        }
        LOG.info("inference precision {}, {} memory format", effective, channelsLast ? "channels-last" : "contiguous");
        return options.apply(model);
    }

    /** Parses {@code --precision} with {@link Precision#parse}. */
    static final class PrecisionConverter implements picocli.CommandLine.ITypeConverter<Precision> {
        @Override
        public Precision convert(String value) {
            return Precision.parse(value);
        }
    }
}
