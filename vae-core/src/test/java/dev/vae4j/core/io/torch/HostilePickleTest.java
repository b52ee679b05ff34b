package dev.vae4j.core.io.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The hostile fixtures of {@code gen_torch_checkpoints.py} are refused cleanly: forbidden globals with an
 * {@link UnsafePickleException} naming {@code module.name}, malformed or out-of-bounds data with a
 * {@link PyTorchFormatException} naming the problem; never a crash, never an allocation the file cannot back.
 */
class HostilePickleTest {
    private static Path hostile(String name) {
        return Fixtures.dir("torch_checkpoints/hostile").resolve(name);
    }

    @ParameterizedTest
    @CsvSource({
        "reduce_posix_system.pkl, posix.system",
        "reduce_os_system.pkl, os.system",
        "stack_global_builtins_exec.pkl, builtins.exec",
        "global_builtins_eval.pkl, builtins.eval",
        "nested_builtins_print.pkl, builtins.print",
        "inst_subprocess_popen.pkl, subprocess.Popen",
    })
    void forbiddenGlobalsAreRefusedByName(String file, String global) throws IOException {
        byte[] bytes = Files.readAllBytes(hostile(file));
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> Unpickler.load(bytes, file));
        assertEquals(global, e.global());
        assertTrue(e.getMessage().contains("'" + global + "'"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "huge_binunicode.pkl, claims 2147483647 bytes",
        "huge_binbytes8.pkl, claims 4611686018427387904 bytes",
        "bad_memo.pkl, memo index 2147483647",
        "deep_nesting.pkl, nesting deeper than",
        "cyclic_key.pkl, unhashable",
        "empty.pkl, unexpected end",
        "no_stop.pkl, unexpected end",
    })
    void malformedPicklesAreRefused(String file, String message) throws IOException {
        byte[] bytes = Files.readAllBytes(hostile(file));
        PyTorchFormatException e = assertThrows(PyTorchFormatException.class, () -> Unpickler.load(bytes, file));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "negative_size.pt, negative size",
        "negative_numel.pt, invalid size -4",
        "negative_offset.pt, negative storage offset",
        "view_beyond_storage.pt, reaches element 9 but storage '0' holds 2",
        "record_too_small.pt, needs 16 bytes",
        "missing_record.pt, has no record",
        "huge_numel.pt, needs 8589934588 bytes",
        "unknown_storage_type.pt, torch.ComplexFloatStorageX",
        "truncated_zip.pt, not a readable zip archive",
        "truncated_legacy.pt, truncated",
        "not_a_checkpoint.pt, not a PyTorch checkpoint",
    })
    void hostileCheckpointsAreRefused(String file, String message) {
        RuntimeException e = assertThrows(RuntimeException.class, () -> {
            try (TensorScope scope = new TensorScope();
                    PyTorchCheckpoint ckpt = PyTorchCheckpoint.open(hostile(file))) {
                for (String name : ckpt.allTensors().names()) {
                    ckpt.allTensors().load(name);
                }
            }
        });
        assertTrue(e instanceof PyTorchFormatException || e instanceof UnsafePickleException, e.toString());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(e.getMessage().contains(file), "names the file: " + e.getMessage());
    }

    @Test
    void systemCallInsideAZipCheckpointIsRefusedBeforeAnythingIsBuilt() {
        UnsafePickleException e =
                assertThrows(UnsafePickleException.class, () -> PyTorchCheckpoint.open(hostile("os_system_in_zip.pt")));
        assertEquals("os.system", e.global());
    }

    @Test
    void valueOnlyClassesCannotBeCalled() {
        byte[] call = ("\u0080\u0002cpytorch_lightning.callbacks.model_checkpoint\nModelCheckpoint\n)R.")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> Unpickler.load(call, "call"));
        assertTrue(e.getMessage().contains("allowed only as a value"), e.getMessage());
    }
}
