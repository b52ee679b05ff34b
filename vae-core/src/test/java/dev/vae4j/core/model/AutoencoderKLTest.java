package dev.vae4j.core.model;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.io.LoadReport;
import dev.vae4j.core.io.SafetensorsWriter;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.WeightLoadingException;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.TestModels;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Structure, input checking, strict/lenient loading and save/load of {@link AutoencoderKL}. */
@Tag("parity")
class AutoencoderKLTest {
    static AutoencoderKLConfig modelConfig() {
        return TestModels.autoencoderKL().build();
    }

    @Test
    void sdPresetHasTheReferenceParameterCounts() {
        try (TensorScope scope = new TensorScope()) {
            AutoencoderKL model = new AutoencoderKL(AutoencoderKLConfig.preset("sd"));
            assertEquals(34_163_592L, StateDict.parameterCount(model.encoder()));
            assertEquals(49_490_179L, StateDict.parameterCount(model.decoder()));
            assertEquals(83_653_863L, StateDict.parameterCount(model));
            assertEquals(248, StateDict.of(model).size());
        }
    }

    @Test
    void fluxPresetHasTheReferenceParameterCount() {
        try (TensorScope scope = new TensorScope()) {
            AutoencoderKL model = new AutoencoderKL(AutoencoderKLConfig.preset("flux"));
            assertEquals(83_819_683L, StateDict.parameterCount(model));
            assertEquals(244, StateDict.of(model).size());
            assertEquals(0.3611, model.latentNormalizer().scale());
            assertEquals(0.1159, model.latentNormalizer().shift());
        }
    }

    @Test
    void parameterNamesFollowDiffusers() {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> names = StateDict.of(new AutoencoderKL(modelConfig()));
            for (String key : List.of(
                    "encoder.conv_in.weight",
                    "encoder.down_blocks.0.resnets.0.norm1.weight",
                    "encoder.down_blocks.0.downsamplers.0.conv.weight",
                    "encoder.down_blocks.1.resnets.0.conv_shortcut.bias",
                    "encoder.mid_block.attentions.0.to_out.0.weight",
                    "encoder.mid_block.resnets.1.conv2.bias",
                    "encoder.conv_norm_out.weight",
                    "decoder.up_blocks.0.upsamplers.0.conv.weight",
                    "decoder.up_blocks.1.resnets.1.conv1.weight",
                    "decoder.up_blocks.1.resnets.0.conv_shortcut.weight",
                    "quant_conv.weight",
                    "post_quant_conv.bias")) {
                assertTrue(names.containsKey(key), key);
            }
            assertEquals(
                    List.of(16L, 16L),
                    List.of(
                            names.get("encoder.mid_block.attentions.0.to_q.weight")
                                    .size(0),
                            names.get("encoder.mid_block.attentions.0.to_q.weight")
                                    .size(1)));
        }
    }

    @Test
    void badInputsNameTheShape() {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            AutoencoderKL model = new AutoencoderKL(modelConfig());
            IllegalArgumentException channels =
                    assertThrows(IllegalArgumentException.class, () -> model.encode(randn(1, 4, 8, 8)));
            assertTrue(channels.getMessage().contains("[1, 4, 8, 8]"), channels.getMessage());
            IllegalArgumentException rank =
                    assertThrows(IllegalArgumentException.class, () -> model.encode(randn(3, 8, 8)));
            assertTrue(rank.getMessage().contains("4-D"), rank.getMessage());
            IllegalArgumentException sides =
                    assertThrows(IllegalArgumentException.class, () -> model.encode(randn(1, 3, 9, 8)));
            assertTrue(sides.getMessage().contains("multiples of 2"), sides.getMessage());
            IllegalArgumentException latents =
                    assertThrows(IllegalArgumentException.class, () -> model.decode(randn(1, 3, 4, 4)));
            assertTrue(latents.getMessage().contains("latents"), latents.getMessage());
        }
    }

    @Test
    void impossibleConfigsAreRejected() {
        IllegalArgumentException groups = assertThrows(
                IllegalArgumentException.class,
                () -> AutoencoderKLConfig.builder(List.of(12), 4)
                        .normNumGroups(8)
                        .build());
        assertTrue(groups.getMessage().contains("norm_num_groups"), groups.getMessage());
        IllegalArgumentException act = assertThrows(
                IllegalArgumentException.class,
                () -> AutoencoderKLConfig.builder(List.of(16), 4)
                        .normNumGroups(8)
                        .actFn("gelu")
                        .build());
        assertTrue(act.getMessage().contains("act_fn"), act.getMessage());
    }

    @Test
    void saveThenLoadReproducesTheModel(@TempDir Path dir) {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            AutoencoderKL model = new AutoencoderKL(modelConfig());
            model.save(dir);
            AutoencoderKL loaded = AutoencoderKL.fromPretrained(dir);
            assertEquals(model.config(), loaded.config());
            Tensor x = randn(2, 3, 8, 12);
            assertClose("save/load forward", model.forward(x), loaded.forward(x), 0.0);
        }
    }

    @Test
    void strictLoadingListsEveryProblemKeyAtOnce(@TempDir Path dir) {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> weights = new LinkedHashMap<>(StateDict.of(new AutoencoderKL(modelConfig())));
            weights.remove("encoder.conv_in.bias");
            weights.remove("decoder.conv_out.weight");
            weights.put("decoder.extra.weight", randn(2));
            weights.put("quant_conv.weight", randn(8, 8, 3, 3));
            Path file = dir.resolve("broken.safetensors");
            SafetensorsWriter.write(file, weights, Map.of());
            WeightLoadingException error =
                    assertThrows(WeightLoadingException.class, () -> AutoencoderKL.fromSingleFile(file, modelConfig()));
            String message = error.getMessage();
            for (String key : List.of(
                    "encoder.conv_in.bias",
                    "decoder.conv_out.weight",
                    "decoder.extra.weight",
                    "quant_conv.weight: model [8, 8, 1, 1] vs file [8, 8, 3, 3]")) {
                assertTrue(message.contains(key), message);
            }
            LoadReport report = new AutoencoderKL(modelConfig()).loadWeights(file, false);
            assertEquals(List.of("encoder.conv_in.bias", "decoder.conv_out.weight"), report.missing());
            assertEquals(List.of("decoder.extra.weight"), report.unexpected());
            assertEquals(1, report.mismatched().size());
        }
    }

    @Test
    void missingModelFolderIsAClearError(@TempDir Path dir) {
        IllegalArgumentException error =
                assertThrows(IllegalArgumentException.class, () -> AutoencoderKL.fromPretrained(dir.resolve("nope")));
        assertTrue(error.getMessage().contains("nope"), error.getMessage());
        IllegalArgumentException empty =
                assertThrows(IllegalArgumentException.class, () -> AutoencoderKL.fromPretrained(dir));
        assertTrue(empty.getMessage().contains("config.json"), empty.getMessage());
    }
}
