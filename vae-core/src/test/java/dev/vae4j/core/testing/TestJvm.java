package dev.vae4j.core.testing;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Command lines that start a test class's {@code main} in a fresh JVM with this JVM's classpath. */
public final class TestJvm {
    private TestJvm() {
    }

    /** {@code java -cp <this classpath> main args...}. */
    public static List<String> command(Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("-Djava.awt.headless=true");
        command.add("-Xss4m");
        command.add(main.getName());
        command.addAll(List.of(args));
        return command;
    }

    /** A TCP port free at the time of the call. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
