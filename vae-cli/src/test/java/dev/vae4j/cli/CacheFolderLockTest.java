package dev.vae4j.cli;

import static dev.vae4j.cli.CliTestSupport.run;
import static dev.vae4j.cli.CliTestSupport.writeImage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.FolderLockHolder;
import dev.vae4j.train.dist.WorkerLauncher;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two writers never share a cache folder: {@code vae encode} into a folder another process holds is refused naming that
 * process (before, both exited 0 and left shards of two resolutions under one index), and once the holder is killed its
 * lock is recognised as stale and the encode proceeds.
 */
class CacheFolderLockTest {
    @Test
    void anEncodeIntoAFolderAnotherProcessHoldsIsRefusedUntilTheHolderDies(@TempDir Path dir) throws Exception {
        Path model = CliTestSupport.saveTestModel(dir.resolve("model"));
        Path images = Files.createDirectories(dir.resolve("images"));
        for (int i = 0; i < 3; i++) {
            writeImage(images.resolve("img" + i + ".png"), 20, 16, i);
        }
        Path cache = dir.resolve("cache");
        String[] encode = {
            "encode", "-m", model.toString(), "-i", images.toString(), "-o", cache + "/", "--resolution", "16"
        };
        Process holder = new ProcessBuilder(
                        WorkerLauncher.javaCommand(FolderLockHolder.class.getName(), List.of(cache.toString())))
                .redirectErrorStream(true)
                .start();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            while (line != null && !line.startsWith("locked")) {
                line = out.readLine();
            }
            assertEquals("locked true", line);
            run(encode)
                    .assertOneLineError(cache + " is in use by pid " + holder.pid() + " on ", "(vae encode --output ");
            assertFalse(Files.exists(cache.resolve("latents-000000.safetensors")), "nothing written");
        } finally {
            holder.destroyForcibly().waitFor();
        }
        run(encode).assertOk();
        assertTrue(Files.exists(cache.resolve("index.json")));
    }
}
