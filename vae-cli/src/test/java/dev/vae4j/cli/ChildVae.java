package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.train.dist.WorkerLauncher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A {@code vae} command running in a child JVM (this JVM's java, options and classpath), its output (stdout and stderr)
 * going to a log file: for the tests that signal a running command.
 */
final class ChildVae {
    private static final long START_TIMEOUT_SECONDS = 180;
    private static final long EXIT_TIMEOUT_SECONDS = 120;

    private final Process process;
    private final Path log;
    private long signalledAt;
    private long exitedAt;

    private ChildVae(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code vae args...} with {@code environment} added, writing its output to {@code log}. */
    static ChildVae start(Path log, Map<String, String> environment, String... args) {
        ProcessBuilder builder = new ProcessBuilder(WorkerLauncher.javaCommand(VaeCli.class.getName(), List.of(args)))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        try {
            return new ChildVae(builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits (polling every 2 ms) until {@code condition} holds; fails if the command exits or takes too long. */
    void awaitThat(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        while (!condition.getAsBoolean()) {
            assertTrue(process.isAlive(), "exited before " + what + ": " + output());
            assertTrue(
                    System.nanoTime() < deadline,
                    "no " + what + " within " + START_TIMEOUT_SECONDS + " s: " + output());
            Thread.sleep(2);
        }
    }

    /** Sends SIGTERM ({@link Process#destroy()} on Linux). */
    void sigterm() {
        signalledAt = System.nanoTime();
        process.destroy();
    }

    /** Sends SIGINT (what Ctrl-C sends) with {@code kill -INT}. */
    void sigint() throws IOException, InterruptedException {
        signalledAt = System.nanoTime();
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid()))
                .inheritIO()
                .start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -INT failed");
    }

    /** Waits for the exit; returns the exit code. */
    int exitCode() throws InterruptedException {
        if (!process.waitFor(EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("no exit within " + EXIT_TIMEOUT_SECONDS + " s of the signal: " + output());
        }
        exitedAt = System.nanoTime();
        return process.exitValue();
    }

    /** Seconds from the signal to the exit (after {@link #exitCode()}). */
    double secondsToExit() {
        return (exitedAt - signalledAt) / 1e9;
    }

    /** Everything the command printed so far. */
    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
