package dev.vae4j.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.FolderLockedException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer per folder: a second claim is refused naming the holder (in this JVM and from another process), the
 * processes of one job share a claim, the lock of a killed process is recognised as stale and taken over, and a rank
 * that finds a killed process's fields in a file its job's first rank has just locked waits for that rank's fields.
 */
class FolderLockTest {
    @Test
    void aSecondClaimIsRefusedNamingTheHolderAndFreedOnClose(@TempDir Path dir) {
        Path folder = dir.resolve("out");
        try (FolderLock first = FolderLock.acquire(folder, "vae encode --output out/", null)) {
            assertTrue(first.owner());
            FolderLockedException e = assertThrows(
                    FolderLockedException.class, () -> FolderLock.acquire(folder, "vae encode --output out/", null));
            assertTrue(
                    e.getMessage()
                            .startsWith(folder + " is in use by pid "
                                    + ProcessHandle.current().pid() + " on "),
                    e.getMessage());
            assertTrue(e.getMessage().contains("(vae encode --output out/, since 20"), e.getMessage());
        }
        try (FolderLock again = FolderLock.acquire(folder, "vae encode", null)) {
            assertTrue(again.owner());
        }
    }

    @Test
    void theProcessesOfOneJobShareTheClaim(@TempDir Path dir) {
        try (FolderLock rank0 = FolderLock.acquire(dir, "vae encode", "job-1");
                FolderLock rank1 = FolderLock.acquire(dir, "vae encode", "job-1")) {
            assertTrue(rank0.owner());
            assertFalse(rank1.owner());
            assertThrows(FolderLockedException.class, () -> FolderLock.acquire(dir, "vae encode", "job-2"));
        }
    }

    @Test
    void anotherProcessIsRefusedAndAKilledHoldersLockIsStale(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("cache");
        Process holder = new ProcessBuilder(javaCommand(FolderLockHolder.class.getName(), folder.toString()))
                .redirectErrorStream(true)
                .start();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            while (line != null && !line.startsWith("locked")) {
                line = out.readLine();
            }
            assertEquals("locked true", line);
            FolderLockedException e =
                    assertThrows(FolderLockedException.class, () -> FolderLock.acquire(folder, "vae encode", null));
            assertTrue(e.getMessage().contains(" is in use by pid " + holder.pid() + " on "), e.getMessage());
            assertTrue(e.getMessage().contains("(vae encode --output " + folder + ", since "), e.getMessage());
        } finally {
            holder.destroyForcibly().waitFor();
        }
        assertTrue(lockText(folder).contains("pid=" + holder.pid()), "a killed process leaves its lock file");
        try (FolderLock taken = FolderLock.acquire(folder, "vae encode --resume", null)) {
            assertTrue(taken.owner(), "the stale lock is taken over");
            assertTrue(
                    lockText(folder).contains("pid=" + ProcessHandle.current().pid()), lockText(folder));
        }
        assertEquals("", lockText(folder), "closing empties the lock file");
    }

    @Test
    void aRankWaitsForAnotherRankThatIsTakingOverAKilledRunsLock(@TempDir Path dir) throws Exception {
        Process dead =
                new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-version").start();
        dead.destroyForcibly().waitFor();
        Path folder = Files.createDirectories(dir.resolve("cache"));
        Path file = folder.resolve(FolderLock.FILE_NAME);
        Files.writeString(
                file,
                "pid=" + dead.pid() + "\nhost=" + InetAddress.getLocalHost().getHostName()
                        + "\ncommand=writing a latent cache\nstarted=then\njob=killed-job\n",
                StandardCharsets.UTF_8);
        Process rank0 = new ProcessBuilder(
                        javaCommand(SlowTakeoverHolder.class.getName(), file.toString(), "700", "job-2"))
                .redirectErrorStream(true)
                .start();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(rank0.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("locked", out.readLine());
            try (FolderLock rank1 = FolderLock.acquire(folder, "writing a latent cache", "job-2")) {
                assertFalse(rank1.owner(), "the second rank joins its job's claim once the first has written it");
            }
        } finally {
            rank0.destroyForcibly().waitFor();
        }
    }

    private static List<String> javaCommand(String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }

    private static String lockText(Path folder) throws IOException {
        return Files.readString(folder.resolve(FolderLock.FILE_NAME), StandardCharsets.UTF_8);
    }
}
