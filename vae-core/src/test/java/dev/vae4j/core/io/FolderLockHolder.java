package dev.vae4j.core.io;

import java.nio.file.Path;

/** A child JVM for {@link FolderLockTest}: claims the folder {@code args[0]}, says so, then waits to be killed. */
public final class FolderLockHolder {
    private FolderLockHolder() {}

    /** Claims {@code args[0]} and sleeps. */
    public static void main(String[] args) throws InterruptedException {
        FolderLock lock = FolderLock.acquire(Path.of(args[0]), "vae encode --output " + args[0], null);
        System.out.println("locked " + lock.owner());
        System.out.flush();
        Thread.sleep(600_000);
    }
}
