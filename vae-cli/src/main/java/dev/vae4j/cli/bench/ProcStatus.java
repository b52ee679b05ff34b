package dev.vae4j.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident-memory counters of this process from Linux {@code /proc/self}; -1 bytes elsewhere. */
final class ProcStatus {
    private ProcStatus() {}

    /** Resets the kernel's peak-RSS counter (VmHWM) to the current RSS (Linux 4.0+); false if that failed. */
    static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Current resident set size in bytes, or -1. */
    static long rssBytes() {
        return field("VmRSS");
    }

    /** Peak resident set size since start or the last {@link #resetPeak()}, in bytes, or -1. */
    static long peakBytes() {
        return field("VmHWM");
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
