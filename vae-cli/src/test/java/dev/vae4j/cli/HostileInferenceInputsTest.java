package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vae decode}/{@code reconstruct} against hostile input: output names that would collide, and NaN/infinite
 * latents or weights (a warning naming the tensor, an error with {@code --strict}).
 */
class HostileInferenceInputsTest {
    @TempDir
    Path dir;

    @Property(tries = 200)
    void outputNamesAreUniqueOnePerSource(
            @ForAll @Size(max = 12) List<@StringLength(max = 8) String> stems,
            @ForAll @Size(max = 12) List<Integer> extensionChoice) {
        String[] extensions = {".png", ".PNG", ".jpg", ".png.png", "", "-2.png"};
        List<String> sources = new java.util.ArrayList<>();
        for (int i = 0; i < stems.size(); i++) {
            int e = i < extensionChoice.size() ? Math.floorMod(extensionChoice.get(i), extensions.length) : 0;
            sources.add((i % 3 == 0 ? "dir" + i + "/" : "") + stems.get(i).replace('/', '_') + extensions[e]);
        }
        List<String> names = CliSupport.pngNames(sources);
        assertEquals(sources.size(), names.size());
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            assertTrue(seen.add(name.toLowerCase(Locale.ROOT)), "duplicate " + name + " in " + names);
            assertTrue(name.endsWith(".png") && !name.contains("/"), name);
        }
    }

    @Test
    void collidingSourceNamesStillGiveOneFilePerLatent() throws IOException {
        Path model = CliTestSupport.saveTestModel(dir.resolve("model"));
        Path latents = dir.resolve("z.safetensors");
        List<String> files = List.of("x/a.png", "y/a.png", "a.png.png", "A.PNG.png", "a-2.png");
        try (TensorScope scope = new TensorScope()) {
            SafetensorsWriter.write(
                    latents,
                    Map.of("latents", torch.zeros(files.size(), 4, 4, 4)),
                    Map.of("files", CliSupport.toJsonList(files)));
        }
        Path out = dir.resolve("out");
        CliTestSupport.Result result = CliTestSupport.run(
                "decode", "--model", model.toString(), "--input", latents.toString(), "--output", out.toString());
        result.assertOk();
        assertTrue(result.out().contains("5 PNG file(s)"), result.out());
        try (Stream<Path> written = Files.list(out)) {
            assertEquals(files.size(), written.count());
        }
    }

    @Test
    void nonFiniteLatentsAndWeightsWarnOrFailWithStrict() throws IOException {
        Path model = CliTestSupport.saveTestModel(dir.resolve("model"));
        Path latents = dir.resolve("z.safetensors");
        try (TensorScope scope = new TensorScope()) {
            Tensor z = torch.zeros(1, 4, 4, 4);
            z.view(-1).narrow(0, 3, 2).fill_(new org.bytedeco.pytorch.Scalar(Double.NaN));
            SafetensorsWriter.write(latents, Map.of("latents", z), Map.of());
        }
        CliTestSupport.run(
                        "decode",
                        "--model",
                        model.toString(),
                        "--input",
                        latents.toString(),
                        "--output",
                        dir.resolve("a").toString())
                .assertOk();
        CliTestSupport.run(
                        "decode",
                        "--model",
                        model.toString(),
                        "--input",
                        latents.toString(),
                        "--output",
                        dir.resolve("b").toString(),
                        "--strict")
                .assertOneLineError("tensor 'latents'", "2 NaN/infinite");
        Path broken = dir.resolve("broken");
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            AutoencoderKL kl = AutoencoderKL.fromPretrained(model);
            kl.module()
                    .named_parameters(true)
                    .get("decoder.conv_out.bias")
                    .fill_(new org.bytedeco.pytorch.Scalar(Double.POSITIVE_INFINITY));
            kl.save(broken);
        }
        Path clean = dir.resolve("clean.safetensors");
        try (TensorScope scope = new TensorScope()) {
            SafetensorsWriter.write(clean, Map.of("latents", torch.zeros(1, 4, 4, 4)), Map.of());
        }
        CliTestSupport.run(
                        "decode",
                        "--model",
                        broken.toString(),
                        "--input",
                        clean.toString(),
                        "--output",
                        dir.resolve("c").toString(),
                        "--strict")
                .assertOneLineError("decoder.conv_out.bias");
    }
}
