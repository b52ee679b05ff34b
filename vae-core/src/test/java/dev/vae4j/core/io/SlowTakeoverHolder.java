package dev.vae4j.core.io;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A child JVM for {@link FolderLockTest}: OS-locks the lock file {@code args[0]} without touching its (stale) fields,
 * says so, waits {@code args[1]} ms, then writes itself in as a member of job {@code args[2]} and waits to be killed —
 * the window in which a rank that takes over a killed run's lock has locked but not yet written.
 */
public final class SlowTakeoverHolder {
    private SlowTakeoverHolder() {}

    /** Locks, waits, writes its fields, sleeps. */
    public static void main(String[] args) throws IOException, InterruptedException {
        try (FileChannel channel =
                FileChannel.open(Path.of(args[0]), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (channel.tryLock() == null) {
                throw new IllegalStateException("the lock file is held");
            }
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(Long.parseLong(args[1]));
            String fields = "pid=" + ProcessHandle.current().pid() + "\nhost="
                    + InetAddress.getLocalHost().getHostName() + "\ncommand=writing a latent cache\nstarted=now\njob="
                    + args[2] + "\n";
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(fields.getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(true);
            Thread.sleep(600_000);
        }
    }
}
