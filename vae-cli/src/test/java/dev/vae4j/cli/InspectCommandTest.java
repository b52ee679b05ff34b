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
