package dev.vae4j.core.io.torch;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random byte mutations and truncations of valid pickles and checkpoint files never produce anything but
 * {@link PyTorchFormatException} or {@link UnsafePickleException} (or a successful, bounds-checked load).
 */
class PickleFuzzProperties {
    private static final byte[] PICKLE = dataPkl();
    private static final byte[] LEGACY = read("plain_legacy.pt");

    private static byte[] read(String name) {
        try {
            return Files.readAllBytes(Fixtures.dir("torch_checkpoints").resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] dataPkl() {
        try (ZipFile zip = new ZipFile(
                Fixtures.dir("torch_checkpoints").resolve("lightning_zip.ckpt").toFile())) {
            return zip.getInputStream(zip.getEntry("archive/data.pkl")).readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] mutate(byte[] original, int[] positions, byte[] values, int cut) {
        byte[] out = original.clone();
        for (int i = 0; i < positions.length && i < values.length; i++) {
            out[Math.floorMod(positions[i], out.length)] = values[i];
        }
        int length = cut == 0 ? out.length : Math.floorMod(cut, out.length + 1);
        return java.util.Arrays.copyOf(out, length);
    }

    @Property(tries = 2000)
    void mutatedPicklesFailCleanly(
            @ForAll @Size(max = 6) int[] positions,
            @ForAll @Size(max = 6) byte[] values,
            @ForAll @IntRange(min = 0, max = 100000) int cut) {
        byte[] bytes = mutate(PICKLE, positions, values, cut);
        try {
            Unpickler.load(bytes, "fuzz", pid -> new StorageRef("0", TorchDtype.FLOAT32, 1 << 20, 0, "cpu"));
        } catch (PyTorchFormatException | UnsafePickleException expected) {
            // refused cleanly
        }
    }

    @Property(tries = 300)
    void mutatedLegacyFilesFailCleanly(
            @ForAll @Size(max = 4) int[] positions,
            @ForAll @Size(max = 4) byte[] values,
            @ForAll @IntRange(min = 0, max = 4000) int cut)
            throws IOException {
        Path file = Files.createTempFile("fuzz", ".pt");
        try (TensorScope scope = new TensorScope()) {
            Files.write(file, mutate(LEGACY, positions, values, cut));
            try (PyTorchCheckpoint ckpt = PyTorchCheckpoint.open(file)) {
                for (String name : ckpt.allTensors().names()) {
                    ckpt.allTensors().load(name).sum();
                }
            } catch (PyTorchFormatException | UnsafePickleException expected) {
                // refused cleanly
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
