package dev.vae4j.recipes;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.io.FolderLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The rules protecting run folders: a new run goes into a new or empty folder; a folder that already holds a run
 * ({@link #MARKERS}) is only continued ({@code --resume}) or, with {@code --overwrite}, emptied first, so two runs
 * never mix their weights or {@code metrics.jsonl}; a folder holding only the {@code recipe.yaml} (and
 * {@link RunFingerprint}) of a run that failed before training (a bad value found while building the model, say) is
 * reused; any other non-empty folder is never touched; the {@link FolderLock} file of the process holding the folder is
 * no part of a run. Default run folders are {@code runs/<recipe name>}, and a recipe name must be a plain file name so
 * it cannot point elsewhere.
 */
public final class RunFolder {
    /** Entries whose presence marks a folder as holding a run that has trained. */
    public static final List<String> MARKERS = List.of("metrics.jsonl", "checkpoints", "model", "model-ema", "samples");
    /** What a run writes before it trains. */
    private static final String RECIPE = "recipe.yaml";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private RunFolder() {}

    /**
     * The default run folder of a recipe: {@code runs/<name>}.
     *
     * @throws IllegalArgumentException if the name is not a plain file name (letters, digits, '.', '_', '-', not
     *     starting with '.'), e.g. {@code ../elsewhere} or an absolute path
     */
    public static Path defaultFor(String recipeName) {
        requireValidName(recipeName);
        return Path.of("runs", recipeName);
    }

    /** Checks a recipe name can name a folder under {@code runs/} (see {@link #defaultFor}). */
    public static void requireValidName(String recipeName) {
        if (recipeName == null || !NAME.matcher(recipeName).matches()) {
            throw new IllegalArgumentException("recipe name '" + recipeName + "' must be a plain name of letters, "
                    + "digits, '.', '_' and '-' (up to 128, not starting with '.'): it names the run folder under"
                    + " runs/");
        }
    }

    /**
     * Makes {@code runDir} ready for a run: creates it; refuses a folder holding another run unless {@code resume}
     * (continue it) or {@code overwrite} (empty it first); refuses any other non-empty folder.
     *
     * @throws IllegalArgumentException naming the folder and the options that would proceed
     * @throws FileAccessException if the folder cannot be listed, emptied or created
     */
    public static void prepare(Path runDir, boolean resume, boolean overwrite) {
        try {
            if (Files.exists(runDir) && !Files.isDirectory(runDir)) {
                throw new IllegalArgumentException("run folder " + runDir + " exists and is not a folder");
            }
            if (!resume && Files.isDirectory(runDir) && !isEmpty(runDir)) {
                List<String> found = MARKERS.stream()
                        .filter(m -> Files.exists(runDir.resolve(m)))
                        .toList();
                if (found.isEmpty() && onlyRecipe(runDir)) {
                    return;
                }
                if (found.isEmpty()) {
                    throw new IllegalArgumentException("run folder " + runDir + " is not empty and holds no vae run;"
                            + " choose a new or empty --out");
                }
                if (!overwrite) {
                    throw new IllegalArgumentException("run folder " + runDir + " already holds a run ("
                            + String.join(", ", found) + "): continue it with --resume " + runDir + ", replace it"
                            + " with --overwrite, or choose another --out");
                }
                emptyFolder(runDir);
            }
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new FileAccessException("cannot prepare run folder " + runDir + ": " + e.getMessage(), e);
        }
    }

    private static boolean onlyRecipe(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> !isLock(p))
                    .allMatch(p -> List.of(RECIPE, RunFingerprint.FILE_NAME)
                            .contains(p.getFileName().toString()));
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> !isLock(p)).findAny().isEmpty();
        }
    }

    /** The run's claim on the folder ({@link FolderLock}), which is not part of the run and stays. */
    private static boolean isLock(Path entry) {
        return entry.getFileName().toString().equals(FolderLock.FILE_NAME);
    }

    private static void emptyFolder(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir) && !(isLock(p) && p.getParent().equals(dir))) {
                    Files.delete(p);
                }
            }
        }
    }
}
