package dev.vae4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Checks the SD VAE key table of the reference survey ({@code sd_vae_keys.tsv}: all 248 diffusers keys with shapes, in
 * state_dict order, and their LDM names and shapes) against our model and our LDM mapping.
 */
class DiffusersKeyMappingTest {
    record Row(String diffusers, String shape, String ldm, String ldmShape) {}

    static List<Row> table() throws IOException {
        try (InputStream in = DiffusersKeyMappingTest.class.getResourceAsStream("/sd_vae_keys.tsv")) {
            List<Row> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] cells = line.split("\t");
                rows.add(new Row(cells[0], cells[1], cells[2], cells[3]));
            }
            return rows;
        }
    }

    @Test
    void sdPresetHasExactlyTheDiffusersKeysShapesAndOrder() throws IOException {
        try (TensorScope scope = new TensorScope()) {
            Map<String, Tensor> state = StateDict.of(new AutoencoderKL(AutoencoderKLConfig.preset("sd")));
            Map<String, String> actual = new LinkedHashMap<>();
            state.forEach((key, tensor) ->
                    actual.put(key, shapeOf(tensor.sizes().vec().get())));
            Map<String, String> expected = new LinkedHashMap<>();
            table().forEach(row -> expected.put(row.diffusers(), row.shape()));
            assertEquals(new ArrayList<>(expected.entrySet()), new ArrayList<>(actual.entrySet()));
        }
    }

    @Test
    void everyLdmKeyMapsToItsDiffusersKey() throws IOException {
        for (Row row : table()) {
            assertEquals(row.diffusers(), DiffusersKeyMapping.toDiffusers(row.ldm(), 4), row.ldm());
        }
    }

    @Test
    void wrappedLdmSourceFlattensAttentionConvWeightsAndDropsTrainingKeys() throws IOException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Row row : table()) {
            shapes.put("first_stage_model." + row.ldm(), parse(row.ldmShape()));
        }
        shapes.put("first_stage_model.loss.logvar", new long[0]);
        shapes.put("model_ema.decay", new long[0]);
        shapes.put("cond_stage_model.transformer.weight", new long[] {2});
        TensorSource ldm = new ShapeOnlySource(shapes);
        TensorSource mapped = DiffusersKeyMapping.wrap(ldm, 4);
        List<String> expectedNames = new ArrayList<>();
        for (Row row : table()) {
            expectedNames.add(row.diffusers());
            assertArrayEquals(parse(row.shape()), mapped.shape(row.diffusers()), row.diffusers());
        }
        assertEquals(expectedNames, mapped.names());
    }

    private static String shapeOf(long[] shape) {
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            text.append(i == 0 ? "" : ",").append(shape[i]);
        }
        return text.append(']').toString();
    }

    private static long[] parse(String shape) {
        String inner = shape.substring(1, shape.length() - 1);
        return inner.isEmpty()
                ? new long[0]
                : java.util.Arrays.stream(inner.split(","))
                        .mapToLong(Long::parseLong)
                        .toArray();
    }

    /** Names and shapes only: enough to test renaming without allocating an 84M-parameter checkpoint. */
    private record ShapeOnlySource(Map<String, long[]> shapes) implements TensorSource {
        @Override
        public List<String> names() {
            return new ArrayList<>(shapes.keySet());
        }

        @Override
        public long[] shape(String name) {
            return shapes.get(name);
        }

        @Override
        public Tensor load(String name) {
            throw new AssertionError("not loaded in this test");
        }
    }
}
