package dev.vae4j.train.cache;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.model.ModelFolder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The SHA-256 of a model folder's weight files ({@code .safetensors}, {@code .bin}, {@code .ckpt}, {@code .pth},
 * {@code .pt} in the folder holding {@code config.json}, by name; each file's name then its bytes): what a latent cache
 * records to tell the weights that produced it from other weights of the same configuration. Reads every byte of the
 * weights once (about a second for an SD VAE's 335 MB).
 */
public final class ModelWeightsDigest {
    private static final List<String> EXTENSIONS = List.of(".safetensors", ".bin", ".ckpt", ".pth", ".pt");

    private ModelWeightsDigest() {}

    /**
     * The lower-case hex digest of the weights of the model in {@code dir} (or its {@code vae/} subfolder).
     *
     * @throws IllegalArgumentException if the folder holds no model or no weight file
     * @throws FileAccessException if a weight file cannot be read
     */
    public static String of(Path dir) {
        Path folder = ModelFolder.resolve(dir);
        List<Path> files;
        try (Stream<Path> entries = Files.list(folder)) {
            files = entries.filter(Files::isRegularFile)
                    .filter(ModelWeightsDigest::isWeights)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new FileAccessException("cannot list " + folder, e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no weight file (" + String.join(", ", EXTENSIONS) + ") in " + folder);
        }
        MessageDigest digest = InputList.newSha256();
        byte[] buffer = new byte[1 << 20];
        for (Path file : files) {
            digest.update((file.getFileName() + "\0").getBytes(StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(file)) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            } catch (IOException e) {
                throw new FileAccessException("cannot read " + file, e);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * Checks that the model in {@code folder} holds the weights whose digest a cache recorded.
     *
     * @param recorded the digest {@code encoded} recorded, or null (nothing to check)
     * @param encoded what those weights encoded, for the message (e.g. "the latent cache C")
     * @param given how the model was given, for the message (e.g. "--vae M")
     * @throws IllegalArgumentException naming both digests when the weights differ
     */
    public static void requireEncodedBy(String recorded, Path folder, String encoded, String given) {
        if (recorded == null) {
            return;
        }
        String digest = of(folder);
        if (!digest.equals(recorded)) {
            throw new IllegalArgumentException(encoded + " was encoded by other weights (sha256 "
                    + recorded.substring(0, 12) + ") than " + given + " (sha256 " + digest.substring(0, 12)
                    + "): give the autoencoder that encoded it");
        }
    }

    private static boolean isWeights(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(name::endsWith);
    }
}
