package dev.vae4j.core.testing;

import java.net.ServerSocket;

/** Helpers for tests that start worker JVMs. */
public final class TestJvm {
    private TestJvm() {}

    /** A TCP port free at the time of the call. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
