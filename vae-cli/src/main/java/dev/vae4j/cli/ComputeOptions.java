package dev.vae4j.cli;

import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.InferenceOptions;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.tensor.CpuThreads;
import dev.vae4j.core.tensor.NonFiniteValues;
import java.util.Locale;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code --batch-size}, {@code --threads}, {@code --device}, {@code --precision} and {@code --channels-last}
 * options shared by the commands that run the model. Images are processed {@code batchSize} at a time, each batch in
 * its own tensor scope, so memory does not grow with the number of images; {@code threads} sets libtorch's intra-op
 * thread count; {@code device} is where the model runs (files are read and written on the CPU); the fast-path options
 * are {@link FastPathOptions}.
 */
public final class ComputeOptions {
    private static final Logger LOG = LoggerFactory.getLogger(ComputeOptions.class);

    @Spec(Spec.Target.MIXEE)
    private CommandSpec mixee;

    @Mixin
    private FastPathOptions fastPath = new FastPathOptions();

    private int batchSize = 1;
    private int threads = Runtime.getRuntime().availableProcessors();
    private String device = "cpu";

    /** Sets the number of images per forward pass (at least 1). */
    @Option(
            names = "--batch-size",
            paramLabel = "B",
            defaultValue = "1",
            description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    public void setBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new ParameterException(mixee.commandLine(), "--batch-size must be at least 1, got " + batchSize);
        }
        this.batchSize = batchSize;
    }

    /** Sets libtorch's intra-op thread count (at least 1). */
    @Option(
            names = "--threads",
            paramLabel = "N",
            description = "libtorch CPU threads (default: the number of processors).")
    public void setThreads(int threads) {
        if (threads < 1) {
            throw new ParameterException(mixee.commandLine(), "--threads must be at least 1, got " + threads);
        }
        this.threads = threads;
    }

    @Option(
            names = "--strict",
            description = "Make NaN/infinite values in weights, latents or outputs an error (default: a warning).")
    private boolean strict;

    /** The check of weights, latents and outputs for NaN/infinite values ({@code --strict}: errors). */
    public NonFiniteValues nonFinite() {
        return new NonFiniteValues(strict);
    }

    /** Sets the device the model runs on: {@code cpu}, {@code cuda} or {@code cuda:N}. */
    @Option(
            names = "--device",
            paramLabel = "DEV",
            defaultValue = "cpu",
            description = "cpu, cuda or cuda:N: where the model runs (default: ${DEFAULT-VALUE}).")
    public void setDevice(String device) {
        String name = device.toLowerCase(Locale.ROOT);
        if (!name.equals("cpu") && !name.matches("cuda(:\\d+)?")) {
            throw new ParameterException(
                    mixee.commandLine(), "--device must be cpu, cuda or cuda:N, got '" + device + "'");
        }
        this.device = name;
    }

    /** The device the model runs on. */
    public Device device() {
        return new Device(device);
    }

    /**
     * Moves {@code model}'s parameters to {@link #device()} and returns it.
     *
     * @throws IllegalArgumentException if a CUDA device is asked for and CUDA is not available
     */
    public TrainableAutoencoder onDevice(TrainableAutoencoder model) {
        if (!device.equals("cpu")) {
            if (!torch.cuda_is_available()) {
                throw new IllegalArgumentException("--device " + device + " asked for, but CUDA is not available "
                        + "(a CPU build of libtorch, or no GPU); build with -Pgpu on a machine with a GPU");
            }
            model.module().to(device(), false);
            LOG.debug("model moved to {}", device);
        }
        return model;
    }

    /** Images per forward pass. */
    public int batchSize() {
        return batchSize;
    }

    /** libtorch CPU threads. */
    public int threads() {
        return threads;
    }

    /** Applies {@link #threads()} to libtorch. */
    public void apply() {
        CpuThreads.configure(threads);
        LOG.debug("libtorch intra-op threads: {}", threads);
    }

    /** The {@code --precision} and {@code --channels-last} choices. */
    public InferenceOptions inferenceOptions() {
        return fastPath.options();
    }

    /**
     * {@code model} on {@code --device}, wrapped to run with {@code --precision} and {@code --channels-last}; it takes
     * and returns CPU tensors whatever the device.
     */
    public Autoencoder prepare(TrainableAutoencoder model) {
        Autoencoder fast = fastPath.apply(onDevice(model));
        return device.equals("cpu") ? fast : new OnDeviceAutoencoder(fast, device());
    }
}
