package dev.vae4j.train;

import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The training path's device-to-host reads, counted: every place of the loop, the loss terms and the objectives that
 * needs a device value on the host reads it through here, so a test can count the host synchronisations of a run
 * ({@link #count()} before and after). A read copies the whole tensor at once (one synchronisation however many values
 * it holds).
 */
public final class HostSyncs {
    private static final AtomicLong COUNT = new AtomicLong();

    private HostSyncs() {}

    /** Reads made so far in this JVM (all threads). */
    public static long count() {
        return COUNT.get();
    }

    /** The values of {@code values} (any shape, floating or boolean) as float64, row-major: one read. */
    public static double[] read(Tensor values) {
        COUNT.incrementAndGet();
        Tensor host = values.detach().to(ScalarType.Double).cpu().contiguous();
        double[] out = new double[(int) host.numel()];
        host.data_ptr_double().get(out, 0, out.length);
        return out;
    }

    /** A 0-d boolean (or 0/1) tensor on the host: one read. */
    public static boolean isTrue(Tensor flag) {
        return read(flag)[0] != 0;
    }
}
