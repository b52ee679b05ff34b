package dev.vae4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.FileAccessException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomic replacement, temp-file hygiene and failure behaviour of {@link SafetensorsWriter}. */
class SafetensorsWriterTest {
    @TempDir
    Path dir;

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void leavesNoTempFileBehindAndReplacesAtomically() throws IOException {
        Path f = dir.resolve("w.safetensors");
        try (PointerScope scope = new PointerScope()) {
            SafetensorsWriter.write(f, Map.of("a", torch.ones(3)), null);
            assertEquals(List.of("w.safetensors"), listing());
            SafetensorsWriter.write(f, Map.of("b", torch.zeros(2, 2)), Map.of("v", "2"));
            assertEquals(List.of("w.safetensors"), listing());
            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                assertEquals(List.of("b"), r.names());
                assertEquals(Map.of("v", "2"), r.metadata());
            }
        }
    }

    @Test
    void aReaderOpenOnTheOldFileKeepsReadingItAfterAReplace() {
        Path f = dir.resolve("live.safetensors");
        try (PointerScope scope = new PointerScope()) {
            SafetensorsWriter.write(f, Map.of("a", torch.ones(8)), null);
            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                SafetensorsWriter.write(f, Map.of("a", torch.zeros(16)), null);
                assertEquals(8.0, torch.sum(r.load("a")).item_double(), 0.0);
            }
            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                assertEquals(16, r.load("a").numel());
            }
        }
    }

    @Test
    void targetIsADirectory() throws IOException {
        Path target = Files.createDirectory(dir.resolve("adir"));
        Files.write(target.resolve("inside.txt"), new byte[] {1, 2, 3});
        try (PointerScope scope = new PointerScope()) {
            FileAccessException e = assertThrows(
                    FileAccessException.class, () -> SafetensorsWriter.write(target, Map.of("a", torch.ones(3)), null));
            assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
        }
        assertTrue(Files.isDirectory(target));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target.resolve("inside.txt")));
        assertEquals(List.of("adir"), listing());
    }

    @Test
    void failedWriteLeavesThePreviousFileIntactAndNoTempFile() throws IOException {
        Path f = dir.resolve("keep.safetensors");
        try (PointerScope scope = new PointerScope()) {
            SafetensorsWriter.write(f, Map.of("a", torch.ones(3)), Map.of("version", "1"));
            byte[] before = Files.readAllBytes(f);
            // a meta tensor has a shape and dtype but no data: the write fails after the temp file was started
            Tensor meta =
                    torch.empty(new long[] {4}, new TensorOptions(new Device("meta")), new MemoryFormatOptional());
            Map<String, Tensor> in = new LinkedHashMap<>();
            in.put("a", torch.zeros(3));
            in.put("m", meta);
            FileAccessException e = assertThrows(FileAccessException.class, () -> SafetensorsWriter.write(f, in, null));
            assertTrue(e.getMessage().contains("meta"), e.getMessage());
            assertArrayEquals(before, Files.readAllBytes(f));
            assertEquals(List.of("keep.safetensors"), listing());
            // invalid input: rejected up front, file untouched
            assertThrows(
                    IllegalArgumentException.class,
                    () -> SafetensorsWriter.write(
                            f, Map.of("q", torch.ones(2).to(torch.ScalarType.ComplexHalf)), null));
            assertArrayEquals(before, Files.readAllBytes(f));
            assertEquals(List.of("keep.safetensors"), listing());
        }
    }

    @Test
    void missingParentFolderIsAnIoError() {
        Path f = dir.resolve("no/such/folder/x.safetensors");
        try (PointerScope scope = new PointerScope()) {
            FileAccessException e = assertThrows(
                    FileAccessException.class, () -> SafetensorsWriter.write(f, Map.of("a", torch.ones(3)), null));
            assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        }
    }

    @Test
    void cudaTensorsAreWrittenFromTheirCpuCopy() {
        Assumptions.assumeTrue(torch.cuda_is_available(), "no CUDA device");
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(5);
            Tensor cpu = torch.randn(3, 4);
            Tensor gpu = cpu.to(new Device("cuda"), torch.ScalarType.Float).t();
            Path f = dir.resolve("cuda.safetensors");
            SafetensorsWriter.write(f, Map.of("g", gpu), null);
            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                Tensor back = r.load("g");
                assertTrue(back.is_cpu());
                assertTrue(torch.equal(cpu.t().contiguous(), back));
            }
        }
    }
}
