package dev.vae4j.core.io;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.FolderLockedException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exclusive claim of one process (or of one {@code vae launch} job) on an output folder, so that two writers never
 * mix their files in it. The claim is the file {@value #FILE_NAME} in the folder, held under an operating-system lock
 * ({@link FileChannel#tryLock()}) while the claim lasts and holding one {@code key=value} line per field: {@code pid},
 * {@code host}, {@code command}, {@code started} (ISO-8601 UTC) and {@code job}. A second writer is refused with the
 * holder's fields. A lock file with fields whose OS lock nobody holds was left by a killed process (the OS drops a dead
 * process's locks): it is stale and taken over, with a warning; while its new holder has locked it but not yet written,
 * a writer that finds a dead process of this host in it waits instead of refusing. The ranks of one {@code vae launch}
 * job share the claim: the launcher gives them one {@value #JOB_ENV}, the first rank to arrive takes the OS lock and
 * the others, finding their job in the file, join it. Closing the claim empties the file and releases the OS lock; the
 * empty file stays (deleting it would let a process that opened it a moment before lock a file nobody else sees).
 */
public final class FolderLock implements AutoCloseable {
    /** The lock file's name inside the claimed folder. */
    public static final String FILE_NAME = ".vae4j.lock";
    /** The environment variable naming the job whose processes share a claim (set by {@code vae launch}). */
    public static final String JOB_ENV = "VAE4J_JOB_ID";

    private static final Logger LOG = LoggerFactory.getLogger(FolderLock.class);
    private static final int ATTEMPTS = 200;
    private static final long RETRY_MILLIS = 50;
    /**
     * The claims this JVM owns, by lock file: their fields are read from here, since opening and closing another
     * channel on a locked file would release the OS lock (POSIX record locks belong to the process).
     */
    private static final Map<Path, FolderLock> OWNED = new HashMap<>();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Map<String, String> fields;

    private FolderLock(Path file, FileChannel channel, FileLock lock, Map<String, String> fields) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.fields = fields;
    }

    /**
     * Claims {@code folder} (created if missing) for this process, as a member of the job in {@value #JOB_ENV} when
     * that is set.
     *
     * @param command what the claim is for, shown to a refused writer (e.g. {@code "vae encode"})
     * @throws FolderLockedException if another process or job holds the folder, naming its pid, host, command and start
     * @throws FileAccessException if the folder or its lock file cannot be created or written
     */
    public static FolderLock acquire(Path folder, String command) {
        return acquire(folder, command, System.getenv(JOB_ENV));
    }

    /**
     * Claims {@code folder} (created if missing) for this process as a member of {@code job}: refused if another job
     * (or, with a null job, anyone else) holds it.
     *
     * @param command what the claim is for, shown to a refused writer
     * @param job the job shared with other processes, or null for a claim of this call alone
     * @throws FolderLockedException if another process or job holds the folder
     * @throws FileAccessException if the folder or its lock file cannot be created or written
     */
    public static FolderLock acquire(Path folder, String command, String job) {
        Path file;
        try {
            Files.createDirectories(folder);
            file = folder.toRealPath().resolve(FILE_NAME);
        } catch (IOException e) {
            throw new FileAccessException("cannot create " + folder, e);
        }
        String token = job != null && !job.isBlank() ? job : "claim-" + UUID.randomUUID();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Map<String, String> holder;
            synchronized (OWNED) {
                FolderLock owned = OWNED.get(file);
                if (owned != null) {
                    holder = owned.fields;
                } else {
                    FolderLock claim = tryOnce(file, command, token);
                    if (claim.lock != null) {
                        OWNED.put(file, claim);
                        return claim;
                    }
                    holder = claim.fields;
                }
            }
            if (token.equals(holder.get("job"))) {
                return new FolderLock(file, null, null, holder);
            }
            if (holder.containsKey("job") && !leftByADeadLocalProcess(holder)) {
                throw new FolderLockedException(String.format(
                        "%s is in use by pid %s on %s (%s, since %s); wait for it to end or stop it, or choose"
                                + " another output folder",
                        folder,
                        holder.getOrDefault("pid", "?"),
                        holder.getOrDefault("host", "?"),
                        holder.getOrDefault("command", "?"),
                        holder.getOrDefault("started", "?")));
            }
            sleep(); // the holder has locked but not yet written its fields over the empty or stale ones
        }
        throw new FolderLockedException(folder + " is locked by a process that wrote no owner into " + file + " within "
                + ATTEMPTS * RETRY_MILLIS + " ms; try again");
    }

    /**
     * Opens the lock file and tries its OS lock: the claim with this process's fields written when it got it, else an
     * unlocked view of the holder's fields.
     */
    private static FolderLock tryOnce(Path file, String command, String token) {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(
                    file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            Map<String, String> found = read(channel);
            if (lock == null) {
                channel.close(); // this JVM holds no lock on the file, so closing releases nothing
                return new FolderLock(file, null, null, found);
            }
            if (found.containsKey("job")) {
                LOG.warn(
                        "taking over the stale lock {} of pid {} on {} ({}, since {}): that process no longer holds it",
                        file,
                        found.get("pid"),
                        found.get("host"),
                        found.get("command"),
                        found.get("started"));
            }
            Map<String, String> mine = fields(command, token);
            StringBuilder text = new StringBuilder();
            mine.forEach(
                    (key, value) -> text.append(key).append('=').append(value).append('\n'));
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(true);
            return new FolderLock(file, channel, lock, mine);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new FileAccessException("cannot lock " + file, e);
        }
    }

    private static Map<String, String> fields(String command, String token) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("pid", Long.toString(ProcessHandle.current().pid()));
        fields.put("host", hostName());
        fields.put("command", command.replaceAll("\\R", " "));
        fields.put("started", Instant.now().toString());
        fields.put("job", token);
        return fields;
    }

    /** The fields in the lock file (through the given channel); empty when it is empty. */
    private static Map<String, String> read(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size == 0 || size > 1 << 16) {
            return Map.of();
        }
        ByteBuffer bytes = ByteBuffer.allocate((int) size);
        while (bytes.hasRemaining() && channel.read(bytes, bytes.position()) >= 0) {
            // read until full or end of file
        }
        Map<String, String> fields = new LinkedHashMap<>();
        String text = new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                fields.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return fields;
    }

    /**
     * Whether the fields read from a file someone else has OS-locked name a process of this host that is gone: then the
     * lock was just taken over and its new holder has not yet written its own fields.
     */
    private static boolean leftByADeadLocalProcess(Map<String, String> holder) {
        if (!hostName().equals(holder.get("host"))) {
            return false;
        }
        try {
            long pid = Long.parseLong(holder.getOrDefault("pid", ""));
            return ProcessHandle.of(pid).map(process -> !process.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FolderLockedException("interrupted while waiting for a " + FILE_NAME + " holder");
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("cannot close a lock file: {}", e.getMessage());
            }
        }
    }

    /** Whether this claim holds the OS lock (false for a process that joined its job's claim). */
    public boolean owner() {
        return lock != null;
    }

    /** Ends the claim: the owner empties the lock file and releases the OS lock; a joined member does nothing. */
    @Override
    public void close() {
        if (lock == null) {
            return;
        }
        synchronized (OWNED) {
            if (OWNED.get(file) != this) {
                return; // closed before
            }
            OWNED.remove(file);
            try {
                channel.truncate(0);
                channel.force(true);
            } catch (IOException e) {
                LOG.warn("cannot empty the lock file {}: {}", file, e.getMessage());
            } finally {
                closeQuietly(channel); // releases the OS lock
            }
        }
    }
}
