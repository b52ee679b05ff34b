package dev.vae4j.cli;

import static dev.vae4j.cli.CliTestSupport.run;
import static dev.vae4j.cli.CliTestSupport.writeImage;

import dev.vae4j.core.io.FolderLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run folder holds one run: {@code --resume} after its data folder changed, or with another {@code --image-size}, is
 * refused naming the difference (before, the run went on over other images or at another size), and a second {@code vae
 * train} into a folder held by another process is refused naming the holder.
 */
class RunFingerprintTest {
    @Test
    void aResumeOnChangedDataOrAtAnotherSizeIsRefused(@TempDir Path dir) throws IOException {
        Path data = Files.createDirectories(dir.resolve("images"));
        for (int i = 0; i < 8; i++) {
            writeImage(data.resolve("img" + i + ".png"), 16, 16, i);
        }
        Path out = dir.resolve("run");
        String recipe = TrainCommandTest.microRecipe();
        run("train", "--recipe", recipe, "--data", data.toString(), "--out", out.toString(), "--steps", "2")
                .assertOk();

        writeImage(data.resolve("img3b.png"), 16, 16, 99);
        run("train", "--resume", out.toString(), "--steps", "4")
                .assertOneLineError(
                        "the run in " + out + " trained on other data: input list differs: 8 files recorded, 9 now,"
                                + " first difference at #4: img4.png",
                        " vs img3b.png ");
        Files.delete(data.resolve("img3b.png"));
        run("train", "--resume", out.toString(), "--steps", "4", "--image-size", "32")
                .assertOneLineError("image size differs (16 recorded, 32 now)");
        run("train", "--resume", out.toString(), "--steps", "4").assertOk();

        try (FolderLock held = FolderLock.acquire(out, "another vae train", null)) {
            run("train", "--resume", out.toString(), "--steps", "6")
                    .assertOneLineError(
                            out + " is in use by pid " + ProcessHandle.current().pid(), "(another vae train, since ");
        }
    }
}
