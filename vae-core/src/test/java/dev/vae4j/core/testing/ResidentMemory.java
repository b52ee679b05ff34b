package dev.vae4j.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident set size of this process, read from {@code /proc/self/status} (Linux). */
public final class ResidentMemory {
    private ResidentMemory() {}

    /** Whether RSS can be measured on this OS. */
    public static boolean available() {
        return Files.isReadable(Path.of("/proc/self/status"));
    }

    /** Current RSS in MiB. */
    public static double mib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
