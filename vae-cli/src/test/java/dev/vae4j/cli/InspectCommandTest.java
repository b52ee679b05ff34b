package dev.vae4j.cli;

import static dev.vae4j.cli.CliTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.TensorScope;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
    @TempDir
    Path dir;

    @Test
    void sdPresetPrintsConfigAndTheKnownParameterCounts() throws Exception {
        CliTestSupport.Result result = run("inspect", "--preset", "sd");
        result.assertOk();
        String out = result.out();
        assertTrue(out.matches("(?s).*encoder\\s+34,163,592\\n.*"), out);
        assertTrue(out.matches("(?s).*decoder\\s+49,490,179\\n.*"), out);
        assertTrue(out.matches("(?s).*quant_conv\\s+72\\n.*"), out);
        assertTrue(out.matches("(?s).*post_quant_conv\\s+20\\n.*"), out);
        assertTrue(out.matches("(?s).*total\\s+83,653,863\\n.*"), out);
        // the config block is valid JSON with the SD factors
        String json = out.substring(out.indexOf('{'), out.indexOf("\n}") + 2);
        JsonNode config = new ObjectMapper().readTree(json);
        assertTrue(config.get("scaling_factor").asDouble() == 0.18215, json);
        assertTrue(config.get("block_out_channels").toString().equals("[128,256,512,512]"), json);
    }

    @Test
    void discriminatorPresetsPrintParametersAndMacs() {
        CliTestSupport.Result result = run("inspect", "--discriminator", "patchgan");
        result.assertOk();
        assertTrue(result.out().contains("patchgan: 2,765,633 parameters, 3.147 GMACs at 256x256"), result.out());
        run("inspect", "--discriminator", "stylegan").assertUsageError("patchgan");
    }

    @Test
    void ditPresetPrintsConfigGeometryParametersAndMacs() throws Exception {
        CliTestSupport.Result result = run("inspect", "--preset", "dit-s2");
        result.assertOk();
        String out = result.out();
        assertTrue(out.startsWith("preset dit-s2 (DiT-S/2)"), out);
        assertTrue(
                out.contains("latents: 4 channels in, 8 out (prediction and learned variance); 32x32 (sample_size),"
                        + " patch size 2: 256 tokens of width 384"),
                out);
        assertTrue(out.matches("(?s).*pos_embed\\s+6,528\\n.*"), out);
        assertTrue(out.matches("(?s).*transformer_blocks\\s+39,490,560\\n.*"), out);
        assertTrue(out.matches("(?s).*proj_out_1\\s+295,680\\n.*"), out);
        assertTrue(out.matches("(?s).*proj_out_2\\s+12,320\\n.*"), out);
        assertTrue(out.matches("(?s).*total\\s+39,805,088\\n.*"), out);
        assertTrue(out.contains("MACs: 6.06 GMACs at 32x32 latents (6,058,622,976 for one sample"), out);
        String json = out.substring(out.indexOf('{'), out.indexOf("\n}") + 2);
        JsonNode config = new ObjectMapper().readTree(json);
        assertTrue(config.get("_class_name").asText().equals("DiTTransformer2DModel"), json);
        assertTrue(
                config.get("num_attention_heads").asInt() == 6
                        && config.get("num_layers").asInt() == 12,
                json);
    }

    /** DiT-XL/2 is counted from its config (749,826,464 parameters, as diffusers counts them), not allocated. */
    @Test
    void largestDitPresetIsCountedFromItsConfig() {
        CliTestSupport.Result result = run("inspect", "--preset", "DiT-XL/2");
        result.assertOk();
        assertTrue(result.out().matches("(?s).*total\\s+749,826,464\\n.*"), result.out());
        assertTrue(result.out().contains("MACs: 118.67 GMACs at 32x32 latents"), result.out());
    }

    @Test
    void latentUNetPresetIsBuiltAndCounted() {
        CliTestSupport.Result result = run("inspect", "--preset", "pytorch-diffusion-ldm");
        result.assertOk();
        String out = result.out();
        assertTrue(out.contains("\"dim_mults\" : [ 1, 2, 2, 4 ]"), out);
        assertTrue(out.contains("latents: 4 channels in, 4 out; 64x64 (img_size), no patches"), out);
        assertTrue(out.matches("(?s).*init_conv\\s+320\\n.*"), out);
        assertTrue(out.matches("(?s).*total\\s+12,191,108\\n.*"), out);
        assertTrue(out.contains("MACs: 5.09 GMACs at 64x64 latents (5,085,904,896 for one sample"), out);
    }

    @Test
    void unknownPresetListsAutoencodersAndDenoisers() {
        CliTestSupport.Result result = run("inspect", "--preset", "dit-h2");
        result.assertUsageError("unknown model preset 'dit-h2'");
        result.assertUsageError("sdxl");
        result.assertUsageError("[dit-s2, dit-b2, dit-l2, dit-xl2, pytorch-diffusion-ldm]");
    }

    @Test
    void fluxPresetHasNoQuantConvs() {
        CliTestSupport.Result result = run("inspect", "--preset", "FLUX");
        result.assertOk();
        assertTrue(result.out().matches("(?s).*total\\s+83,819,683\\n.*"), result.out());
        assertTrue(result.out().matches("(?s).*quant_conv\\s+absent\\n.*"), result.out());
    }

    @Test
    void modelFolderIsLoadedAndCounted() {
        Path model = CliTestSupport.saveTestModel(dir.resolve("pipeline").resolve("vae"));
        long expected;
        try (TensorScope scope = new TensorScope()) {
            expected = StateDict.parameterCount(new AutoencoderKL(CliTestSupport.testModelConfig()));
        }
        // the pipeline folder (with vae/) works as well as the model folder
        for (Path folder : new Path[] {model, model.getParent()}) {
            CliTestSupport.Result result = run("inspect", "--model", folder.toString());
            result.assertOk();
            assertTrue(result.out().contains(String.format(Locale.ROOT, "%,d", expected)), result.out());
            assertTrue(result.out().contains("tensors loaded"), result.out());
            assertTrue(result.out().contains("\"scaling_factor\" : 0.5"), result.out());
        }
    }
}
