package dev.vae4j.dwt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import dev.vae4j.dwt.TestTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Tag("parity")
class LiteVaeTest {
    /**
     * Encoder parameter counts of the presets: exactly those of the reference (open-LiteVAE's own
     * {@code LiteVAE_Encoder} for open-*, the App. G transcription for paper-*; {@code parameter_counts.json} of
     * tools/reference/gen_litevae.py), and within 1% of the open-LiteVAE / paper tables.
     */
    @ParameterizedTest
    @CsvSource({
        "open-s, 0.97",
        "open-b, 6.60",
        "open-m, 34.00",
        "open-l, 41.15",
        "paper-s, 1.03",
        "paper-b, 6.75",
        "paper-m, 32.75",
        "paper-l, 41.42"
    })
    void encoderParameterCounts(String preset, double tableMillions) {
        try (TensorScope scope = new TensorScope()) {
            long count = StateDict.parameterCount(new LiteVaeEncoder(LiteVaeConfig.preset(preset)));
            System.out.printf(
                    "params %-8s encoder %,d (table %.2f M, %+.2f%%)%n",
                    preset, count, tableMillions, 100.0 * (count / 1e6 - tableMillions) / tableMillions);
            assertEquals(referenceCount(preset), count, "equals the reference's count");
            assertEquals(tableMillions, count / 1e6, 0.01 * tableMillions);
        }
    }

    @Test
    void smcDecoderHasTheUpstreamParameterCount() {
        try (TensorScope scope = new TensorScope()) {
            long count = StateDict.parameterCount(new SmcDecoder(LiteVaeConfig.preset("open-b")));
            System.out.printf("params SMC decoder %,d (table 53.33 M)%n", count);
            assertEquals(
                    referenceCount("smc_decoder"), count, "open-LiteVAE's LiteVAE_Decoder(128, 12, 3, [1,2,4,4], 2)");
            assertEquals(53.33, count / 1e6, 0.005);
        }
    }

    private static long referenceCount(String key) {
        try {
            JsonNode counts = new ObjectMapper()
                    .readTree(Fixtures.dir("litevae")
                            .resolve("parameter_counts.json")
                            .toFile());
            assertTrue(counts.has(key), "parameter_counts.json lacks " + key);
            return counts.get(key).asLong();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static LiteVaeConfig tiny(EncoderFlavor flavor) {
        boolean paper = flavor == EncoderFlavor.PAPER;
        return new LiteVaeConfig(
                flavor,
                3,
                3,
                4,
                3,
                paper ? dev.vae4j.dwt.SubbandOrder.PYWT : dev.vae4j.dwt.SubbandOrder.TORCH_DWT,
                paper,
                4,
                List.of(1, 2),
                1,
                8,
                List.of(1, 2),
                1,
                4,
                4,
                List.of(1, 2, 2, 2),
                1,
                paper,
                0.5,
                0.1);
    }

    @Test
    void namesFollowOpenLiteVae() {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> names = StateDict.of(new LiteVae(tiny(EncoderFlavor.OPEN_LITEVAE)));
            for (String key : List.of(
                    "encoder.extractors.0.init_conv.weight",
                    "encoder.extractors.2.down_blocks.0.0.conv1.weight",
                    "encoder.extractors.2.down_blocks.0.1.weight",
                    "encoder.extractors.1.up_blocks.0.0.weight",
                    "encoder.extractors.1.up_blocks.0.1.residual_conv.weight",
                    "encoder.aggregator.mid_block.0.norm2.bias",
                    "encoder.aggregator.conv_out.weight",
                    "decoder.conv_in.weight",
                    "decoder.mid.1.conv2.scales",
                    "decoder.up.3.block.0.conv1.gain",
                    "decoder.up.1.upsample.conv.weight",
                    "decoder.up.0.block.0.nin_shortcut.weight",
                    "decoder.conv_norm.conv.weight",
                    "decoder.conv_out.bias")) {
                assertTrue(names.containsKey(key), key + " missing; have " + names.keySet());
            }
            assertFalse(names.containsKey("decoder.up.0.upsample.conv.weight"), "finest level has no upsampler");
        }
    }

    @Test
    void isAnAutoencoderAndRoundTripsThroughAModelFolder(@TempDir Path tmp) {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            for (EncoderFlavor flavor : EncoderFlavor.values()) {
                LiteVae model = new LiteVae(tiny(flavor));
                Autoencoder ae = model;
                assertEquals(8, ae.downsamplingFactor());
                assertEquals(4, ae.latentChannels());
                assertEquals(3, ae.imageChannels());
                Tensor x = TestTensors.randnFloat(3, 2, 3, 16, 24).tanh();
                Tensor z = ae.encode(x).mode();
                assertArrayEquals(new long[] {2, 4, 2, 3}, z.sizes().vec().get());
                Tensor y = ae.decode(z);
                assertArrayEquals(new long[] {2, 3, 16, 24}, y.sizes().vec().get());
                assertEquals(0.5, ae.latentNormalizer().scale(), 0);
                Path dir = tmp.resolve(flavor.id());
                model.save(dir);
                assertTrue(LiteVae.isModelFolder(dir));
                LiteVae loaded = LiteVae.fromPretrained(dir);
                assertEquals(model.config(), loaded.config());
                Fixtures.assertClose(
                        "LiteVAE save/load " + flavor.id(),
                        y,
                        loaded.decode(loaded.encode(x).mode()),
                        0);
            }
        }
    }

    @Test
    void rejectsBadShapesAndConfigs() {
        try (TensorScope scope = new TensorScope()) {
            LiteVae model = new LiteVae(tiny(EncoderFlavor.OPEN_LITEVAE));
            IllegalArgumentException sides = assertThrows(
                    IllegalArgumentException.class, () -> model.encode(TestTensors.randnFloat(1, 1, 3, 12, 16)));
            assertTrue(sides.getMessage().contains("[1, 3, 12, 16]"), sides.getMessage());
            assertThrows(IllegalArgumentException.class, () -> model.encode(TestTensors.randnFloat(1, 1, 1, 16, 16)));
            assertThrows(IllegalArgumentException.class, () -> model.decode(TestTensors.randnFloat(1, 1, 3, 2, 2)));
            assertThrows(IllegalArgumentException.class, () -> LiteVaeConfig.preset("huge"));
            IllegalArgumentException mult = assertThrows(
                    IllegalArgumentException.class,
                    () -> new LiteVaeConfig(
                            EncoderFlavor.PAPER,
                            3,
                            3,
                            4,
                            3,
                            dev.vae4j.dwt.SubbandOrder.PYWT,
                            true,
                            4,
                            List.of(1),
                            1,
                            4,
                            List.of(1),
                            1,
                            4,
                            4,
                            List.of(1, 2),
                            1,
                            true,
                            1,
                            0));
            assertTrue(mult.getMessage().contains("decoder_mult"), mult.getMessage());
        }
    }

    @Test
    void configJsonRoundTrips() {
        for (String preset : LiteVaeConfig.presetNames()) {
            LiteVaeConfig config = LiteVaeConfig.preset(preset);
            assertEquals(config, LiteVaeConfig.fromConfig(config.toConfig()), preset);
        }
        LiteVaeConfig fixture =
                LiteVaeConfig.read(Fixtures.dir("litevae/paper_tiny").resolve("config.json"));
        assertEquals(EncoderFlavor.PAPER, fixture.flavor());
        assertTrue(fixture.waveletLevelScaling());
    }
}
