package dev.vae4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The {@code --overwrite} option of the commands that write files, and the check they make before writing anything (and
 * before loading a model): no existing file is written over unless {@code --overwrite} was given.
 */
final class OverwriteOption {
    @Option(
            names = "--overwrite",
            description =
                    "Replace output files that already exist (by default an existing file is never written over).")
    private boolean overwrite;

    /** Whether {@code --overwrite} was given. */
    boolean allowed() {
        return overwrite;
    }

    /**
     * Fails if the output file exists and {@code --overwrite} was not given.
     *
     * @throws IllegalArgumentException naming the file and the way out
     */
    void refuseExisting(Path file) {
        if (!overwrite && Files.exists(file)) {
            throw new IllegalArgumentException(
                    "--output " + file + " exists; give another --output or --overwrite to replace it");
        }
    }

    /**
     * Fails if any of the files to write into {@code folder} exists and {@code --overwrite} was not given.
     *
     * @param names the file names the command will write into the folder
     * @throws IllegalArgumentException naming how many exist, the first one and the way out
     */
    void refuseExisting(Path folder, List<String> names) {
        if (overwrite) {
            return;
        }
        List<String> existing = names.stream()
                .filter(name -> Files.exists(folder.resolve(name)))
                .toList();
        if (!existing.isEmpty()) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "%d of the %d files to write already exist in %s (first: %s); give another --output or"
                            + " --overwrite to replace them",
                    existing.size(),
                    names.size(),
                    folder,
                    existing.get(0)));
        }
    }
}
