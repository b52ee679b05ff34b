package dev.vae4j.cli;

import dev.vae4j.core.io.ExifOrientation;
import dev.vae4j.core.io.WeightLoadingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code vae} command line: train, inspect, encode, decode, reconstruct, convert, evaluate, bench and launch
 * (data-parallel workers), with any model folder vae4j loads (diffusers {@code AutoencoderKL}, LiteVAE).
 *
 * <p>Every command prints through the {@link CommandLine}'s out/err writers, so callers (and tests) can capture them
 * with {@link CommandLine#setOut}/{@link CommandLine#setErr}. Exit codes: 0 success, 1 a failure while running (a
 * missing or unreadable file, a corrupt image or safetensors file, weights that do not fit, a bad value), reported as
 * the single line {@code vae: error: <message>} on stderr (plus the stack trace, and every key of a weight-loading
 * failure, with {@code --verbose}); 2 a usage error (picocli's message and the usage help); 143 (SIGTERM) or 130
 * (SIGINT) when {@code train}, {@code encode} into a cache or {@code launch} stopped early on that signal after saving
 * its work ({@link StopSignals}).
 */
@Command(
        name = "vae",
        mixinStandardHelpOptions = true,
        versionProvider = VaeCli.Version.class,
        description = "Train, fine-tune and run the KL autoencoders of latent diffusion (SD, SDXL, SD3, FLUX VAEs)"
                + " on libtorch.",
        subcommands = {
            TrainCommand.class,
            InspectCommand.class,
            EncodeCommand.class,
            DecodeCommand.class,
            ReconstructCommand.class,
            ConvertCommand.class,
            EvaluateCommand.class,
            EvaluateLatentsCommand.class,
            BenchCommand.class,
            LaunchCommand.class,
            SampleCommand.class,
            DiffusabilityCommand.class,
            RecipesCommand.class,
            CommandLine.HelpCommand.class
        })
public final class VaeCli implements Runnable {
    /** Exit code of a failure while running a command. */
    public static final int EXIT_FAILURE = 1;

    @Spec
    private CommandSpec spec;

    private boolean verbose;

    /** Creates the top-level command object (picocli's user object). */
    public VaeCli() {}

    /** {@code --verbose}: debug logging and stack traces for errors; accepted before or after the subcommand. */
    @Option(
            names = "--verbose",
            scope = ScopeType.INHERIT,
            description = "Log debug messages and print the stack trace of errors.")
    public void setVerbose(boolean verbose) {
        this.verbose = verbose;
    }

    /**
     * {@code --exif-orientation ignore|apply}: whether images are read as stored (the default, as PIL's
     * {@code convert("RGB")} in training scripts) or turned upright by their EXIF orientation (as diffusers'
     * {@code load_image}); accepted before or after the subcommand.
     */
    @Option(
            names = "--exif-orientation",
            paramLabel = "MODE",
            scope = ScopeType.INHERIT,
            description = "ignore (default: the stored pixels, as PIL's convert(\"RGB\") in training scripts) or"
                    + " apply (turn JPEGs upright by their EXIF orientation, as diffusers' load_image).")
    public void setExifOrientation(String mode) {
        try {
            ExifOrientation.use(ExifOrientation.parse(mode));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--exif-orientation: " + e.getMessage());
        }
    }

    /** Whether {@code --verbose} was given. */
    public boolean verbose() {
        return verbose;
    }

    /** Without a subcommand: a usage error. */
    @Override
    public void run() {
        throw new ParameterException(
                spec.commandLine(),
                "missing command: choose one of "
                        + String.join(", ", spec.subcommands().keySet()));
    }

    /**
     * A fully configured command line: the {@code vae} commands with the one-line error reporting of
     * {@link #handleExecutionException}. Set its out/err writers before {@link CommandLine#execute}.
     */
    public static CommandLine commandLine() {
        return new CommandLine(new VaeCli()).setExecutionExceptionHandler(VaeCli::handleExecutionException);
    }

    /**
     * Reports an exception thrown while a command ran: one line {@code vae: error: <message>} on the command's error
     * writer, the stack trace too when {@code --verbose} was given; returns {@link #EXIT_FAILURE}.
     */
    public static int handleExecutionException(Exception ex, CommandLine commandLine, ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        err.println("vae: error: " + CliSupport.errorMessage(ex));
        Object root = commandLine.getCommandSpec().root().userObject();
        if (root instanceof VaeCli cli && cli.verbose()) {
            if (ex instanceof WeightLoadingException weights) {
                err.println(weights.details());
            }
            ex.printStackTrace(err);
        }
        err.flush();
        return EXIT_FAILURE;
    }

    /** Runs the {@code vae} command line and exits with its exit code. */
    public static void main(String[] args) {
        boolean verbose = false;
        for (String arg : args) {
            if (arg.equals("--verbose")) {
                verbose = true;
            }
        }
        // slf4j-simple reads these once, at the first logger; the user's -D settings win.
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : "info");
        setDefault("org.slf4j.simpleLogger.showThreadName", "false");
        setDefault("org.slf4j.simpleLogger.showShortLogName", "true");
        setDefault("org.slf4j.simpleLogger.logFile", "System.err");
        int exit;
        try {
            exit = commandLine().execute(args);
        } catch (OutOfMemoryError e) {
            // picocli passes errors through; this one is a limit of the machine, not a bug to show as a trace
            System.err.println("vae: error: out of Java heap memory (" + e.getMessage() + "); give the JVM more with"
                    + " VAE_JAVA_OPTS=-Xmx<size> or lower the batch size / image size");
            exit = EXIT_FAILURE;
        }
        System.exit(exit);
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** {@code --version}: the vae4j version the build stamped into {@code vae4j-version.properties}. */
    public static final class Version implements IVersionProvider {
        /** Creates the provider (picocli instantiates it). */
        public Version() {}

        @Override
        public String[] getVersion() throws IOException {
            Properties properties = new Properties();
            try (InputStream in = VaeCli.class.getResourceAsStream("/vae4j-version.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            }
            return new String[] {
                "vae4j " + properties.getProperty("version", "(unknown version)") + " (libtorch via Bytedeco pytorch "
                        + properties.getProperty("pytorch", "?") + ")"
            };
        }
    }
}
