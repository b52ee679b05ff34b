package dev.vae4j.train;

import dev.vae4j.core.Vae4jException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.ArchiveWriter;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.OutputArchive;

/**
 * libtorch optimizer state &lt;-&gt; bytes in Java memory. libtorch's own file writer throws {@code c10::Error} from a
 * destructor when the disk is full, which aborts the JVM; serializing into memory and letting Java write the file turns
 * every I/O failure into a Java exception. Native errors of the (de)serialization itself are rethrown as
 * {@link IllegalStateException} / {@link IllegalArgumentException} with their first line.
 */
final class OptimizerArchives {
    /**
     * One native callback for the process: JavaCPP callbacks are a limited resource, so the writer is shared and
     * {@link #serialize} is synchronized.
     */
    private static final BytesWriter WRITER = new BytesWriter();

    private OptimizerArchives() {}

    /** The optimizer's state in libtorch's archive format (what {@code OutputArchive.save_to(file)} writes). */
    static synchronized byte[] serialize(Optimizer optimizer) {
        WRITER.bytes.reset();
        try {
            OutputArchive archive = new OutputArchive();
            optimizer.save(archive);
            archive.save_to(WRITER);
            return WRITER.bytes.toByteArray();
        } catch (RuntimeException e) {
            throw new Vae4jException("cannot serialize optimizer state: " + firstLine(e), e);
        } finally {
            WRITER.bytes.reset();
        }
    }

    /**
     * Restores the optimizer's state from archive bytes.
     *
     * @param origin the file the bytes came from, for messages
     * @throws IllegalArgumentException if the bytes are not an archive of this optimizer's state
     */
    static void deserialize(Optimizer optimizer, byte[] bytes, Path origin) {
        try (BytePointer data = new BytePointer(bytes)) {
            InputArchive archive = new InputArchive();
            archive.load_from(data, bytes.length);
            optimizer.load(archive);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot read optimizer state " + origin + ": " + firstLine(e), e);
        }
    }

    private static String firstLine(RuntimeException e) {
        String message = e.getMessage();
        return message == null
                ? e.getClass().getSimpleName()
                : message.strip().lines().findFirst().orElse("");
    }

    /** Collects what libtorch writes into a Java buffer. */
    private static final class BytesWriter extends ArchiveWriter {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        BytesWriter() {
            super();
            // first use may happen inside a caller's TensorScope: the shared callback must outlive it
            retainReference();
        }

        @Override
        public long call(Pointer data, long size) {
            if (size > Integer.MAX_VALUE) {
                return 0;
            }
            byte[] chunk = new byte[(int) size];
            new BytePointer(data).get(chunk);
            bytes.write(chunk, 0, chunk.length);
            return size;
        }
    }
}
