package dev.vae4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.Vae4jException;
import dev.vae4j.core.model.Autoencoders;
import dev.vae4j.core.model.TrainableAutoencoder;
import dev.vae4j.core.tensor.NonFiniteValues;
import dev.vae4j.core.tensor.Shapes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Helpers shared by the {@code vae} subcommands: model loading, one-line error messages, output file names, the
 * {@code "files"} metadata list, number formatting and progress logging. Not part of the library API.
 */
final class CliSupport {
    private static final Logger LOG = LoggerFactory.getLogger(CliSupport.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Metadata key of the JSON list of input image file names. */
    static final String FILES_KEY = "files";
    /** Metadata key telling whether stored latents are {@code "normalized"} or {@code "raw"}. */
    static final String LATENTS_KEY = "latents";

    private CliSupport() {}

    /**
     * Loads a model folder of any registered kind (diffusers {@code AutoencoderKL}, also under {@code vae/}, or
     * LiteVAE) strictly, in eval mode, logging the time; weights holding NaN/infinite values are reported by
     * {@code nonFinite}.
     */
    static TrainableAutoencoder loadModel(Path dir, NonFiniteValues nonFinite) {
        long t0 = System.nanoTime();
        TrainableAutoencoder model = Autoencoders.load(dir);
        model.module().eval();
        nonFinite.checkWeights("model " + dir, model.module());
        LOG.info(
                "loaded model {} (downsampling factor {}, {} latent channels) in {}",
                dir,
                model.downsamplingFactor(),
                model.latentChannels(),
                seconds(System.nanoTime() - t0));
        return model;
    }

    /** Parameter elements per top-level child ({@code encoder}, {@code decoder}, ...), in registration order. */
    static Map<String, Long> parameterCountsByChild(Module model) {
        Map<String, Long> counts = new LinkedHashMap<>();
        StringTensorDict params = model.named_parameters(true);
        for (long i = 0; i < params.size(); i++) {
            String name = params.get(i).key().getString();
            int dot = name.indexOf('.');
            String child = dot < 0 ? name : name.substring(0, dot);
            counts.merge(child, params.get(i).value().numel(), Long::sum);
        }
        return counts;
    }

    /** {@code n} with thousands separators: {@code 83,653,863}. */
    static String grouped(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** A duration in nanoseconds as {@code "1.25 s"}. */
    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    /** The shape of a tensor as {@code [2, 4, 8, 8]}. */
    static String shape(Tensor t) {
        return Shapes.describe(t);
    }

    /** Whether the path's file name ends in {@code ext} (case-insensitive, with the dot: ".png"). */
    static boolean hasExtension(Path path, String ext) {
        Path name = path.getFileName();
        return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(ext);
    }

    /** Whether two paths name the same file or folder (both may be missing: then compared as normalised paths). */
    static boolean sameFile(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
        } catch (IOException e) {
            // fall through to the textual comparison
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /** Creates {@code folder} and its parents; a clear error if a file is in the way. */
    static void createFolder(Path folder) {
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw new IllegalArgumentException("output " + folder + " exists and is not a folder");
        }
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create output folder " + folder + ": " + ioMessage(e), e);
        }
    }

    /** Deletes {@code folder} if it is an empty folder (what a failed command created); otherwise leaves it. */
    static void deleteIfEmpty(Path folder) {
        try (java.util.stream.Stream<Path> entries = Files.list(folder)) {
            if (entries.findAny().isEmpty()) {
                Files.delete(folder);
            }
        } catch (IOException e) {
            LOG.warn("cannot remove the empty output folder {}: {}", folder, e.getMessage());
        }
    }

    /** Creates the parent folder of an output file if needed. */
    static void createParent(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            createFolder(parent);
        }
    }

    /**
     * PNG names for images that came from {@code sources} (file names): the name with its extension replaced by
     * {@code .png}; where two sources would get the same name, those keep their full name plus {@code .png}
     * ({@code a.jpg.png}); a name still taken (ignoring case, as some file systems do) gets a number ({@code a-2.png}).
     * The names are unique, one per source, so no output overwrites another. Only the last path element of each source
     * is used, so metadata cannot point outside the output folder.
     */
    static List<String> pngNames(List<String> sources) {
        List<String> base = new ArrayList<>(sources.size());
        for (String source : sources) {
            base.add(fileName(source));
        }
        Map<String, Integer> counts = new HashMap<>();
        for (String name : base) {
            counts.merge(stem(name).toLowerCase(Locale.ROOT), 1, Integer::sum);
        }
        List<String> names = new ArrayList<>(base.size());
        Set<String> used = new HashSet<>();
        for (int i = 0; i < base.size(); i++) {
            String name = base.get(i);
            String candidate =
                    counts.get(stem(name).toLowerCase(Locale.ROOT)) > 1 ? name + ".png" : stem(name) + ".png";
            String unique = candidate;
            for (int k = 2; !used.add(unique.toLowerCase(Locale.ROOT)); k++) {
                unique = stem(candidate) + "-" + k + ".png";
            }
            names.add(unique);
        }
        return names;
    }

    /** Numbered PNG names {@code 000000.png, 000001.png, ...}. */
    static List<String> numberedPngNames(long count) {
        List<String> names = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            names.add(String.format(Locale.ROOT, "%06d.png", i));
        }
        return names;
    }

    private static String fileName(String source) {
        String s = source.replace('\\', '/');
        String name = s.substring(s.lastIndexOf('/') + 1);
        return name.isEmpty() || name.equals(".") || name.equals("..") ? "image" : name;
    }

    private static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** The names as a JSON list, for the {@code "files"} metadata entry. */
    static String toJsonList(List<String> names) {
        try {
            return JSON.writeValueAsString(names);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode file names as JSON", e);
        }
    }

    /** Parses a JSON list of strings; null if {@code json} is null or not such a list. */
    static List<String> parseJsonList(String json) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readValue(json, new TypeReference<List<String>>() {});
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The one-line message printed after {@code "vae: error: "}: for the library's own failure families (bad files,
     * safetensors, images, weights, arguments) their message with line breaks folded into "; "; for I/O errors a
     * readable account naming the path; for anything else the exception's class and the first line of its message
     * (native libtorch errors carry a long backtrace).
     */
    static String errorMessage(Throwable e) {
        if (e instanceof FileAccessException f && f.getCause() != null) {
            return oneLine(f.getMessage());
        }
        if (e instanceof UncheckedIOException u && u.getCause() != null) {
            IOException cause = u.getCause();
            String own = u.getMessage();
            boolean wrapperOnly = own == null || own.equals(cause.toString());
            return oneLine(wrapperOnly ? ioMessage(cause) : own);
        }
        if (e instanceof IOException io) {
            return oneLine(ioMessage(io));
        }
        String message = e.getMessage();
        boolean known = e instanceof IllegalArgumentException
                || e instanceof Vae4jException
                || e instanceof IllegalStateException;
        if (known && message != null && !message.isBlank()) {
            return oneLine(message);
        }
        String first =
                message == null ? "" : message.strip().lines().findFirst().orElse("");
        return first.isEmpty() ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + first;
    }

    /** A readable message for an I/O error, naming the path involved. */
    static String ioMessage(IOException e) {
        if (e instanceof NoSuchFileException x) {
            return "no such file or folder: " + x.getFile();
        }
        if (e instanceof AccessDeniedException x) {
            return "permission denied: " + x.getFile();
        }
        if (e instanceof FileAlreadyExistsException x) {
            return "already exists: " + x.getFile();
        }
        if (e instanceof NotDirectoryException x) {
            return "not a folder: " + x.getFile();
        }
        if (e instanceof DirectoryNotEmptyException x) {
            return "folder not empty: " + x.getFile();
        }
        if (e instanceof FileSystemException x && x.getReason() != null) {
            return x.getFile() + ": " + x.getReason();
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    private static String oneLine(String message) {
        return message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** Logs "what done/total" at INFO at most every few seconds, and at the end. */
    static final class Progress {
        private static final long INTERVAL_NANOS = 5_000_000_000L;
        private final String what;
        private final long total;
        private final long start = System.nanoTime();
        private long lastLog = start;

        Progress(String what, long total) {
            this.what = what;
            this.total = total;
        }

        void advance(long done) {
            advance(done, total);
        }

        /** Logs {@code done} of {@code total} images with the rate and, until done, the estimated time left. */
        void advance(long done, long total) {
            long now = System.nanoTime();
            if (done >= total || now - lastLog >= INTERVAL_NANOS) {
                lastLog = now;
                double secs = Math.max(1e-9, (now - start) / 1e9);
                double rate = done / secs;
                String eta = done >= total || done == 0
                        ? ""
                        : String.format(Locale.ROOT, ", ETA %.0f s", (total - done) / rate);
                LOG.info(String.format(Locale.ROOT, "%s %d/%d images (%.1f images/s%s)", what, done, total, rate, eta));
            } else {
                LOG.debug("{} {}/{} images", what, done, total);
            }
        }
    }
}
