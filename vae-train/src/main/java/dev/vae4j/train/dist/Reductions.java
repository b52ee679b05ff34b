package dev.vae4j.train.dist;

import static org.bytedeco.pytorch.global.torch.zeros;

import dev.vae4j.core.tensor.TensorScope;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Reductions of small host values (flags, metrics) over all ranks, through one float64 all-reduce on the backend's
 * device ({@link DistributedContext#collectiveDevice()}). Every rank must pass arrays of the same length and maps with
 * the same keys in the same order.
 */
public final class Reductions {
    private Reductions() {}

    /** Element-wise sum over ranks. */
    public static double[] sum(Collectives collectives, double[] values) {
        if (collectives.context().worldSize() == 1) {
            return values.clone();
        }
        try (TensorScope scope = new TensorScope()) {
            Tensor exchanged = onBackendDevice(collectives, values, new long[] {values.length});
            collectives.allReduceSum(List.of(exchanged));
            double[] summed = new double[values.length];
            exchanged.cpu().data_ptr_double().get(summed, 0, summed.length);
            return summed;
        }
    }

    /** Every rank's {@code values} (same length on all ranks), indexed by rank. */
    public static double[][] gather(Collectives collectives, double[] values) {
        int worldSize = collectives.context().worldSize();
        if (worldSize == 1) {
            return new double[][] {values.clone()};
        }
        try (TensorScope scope = new TensorScope()) {
            Tensor gathered = collectives
                    .allGather(onBackendDevice(collectives, values, new long[] {1, values.length}))
                    .cpu()
                    .contiguous();
            double[][] rows = new double[worldSize][values.length];
            for (int r = 0; r < worldSize; r++) {
                gathered.select(0, r).contiguous().data_ptr_double().get(rows[r], 0, values.length);
            }
            return rows;
        }
    }

    /** {@code values} as a float64 tensor of {@code shape} on the device the backend exchanges. */
    private static Tensor onBackendDevice(Collectives collectives, double[] values, long[] shape) {
        Tensor tensor = zeros(shape, new TensorOptions(ScalarType.Double));
        tensor.data_ptr_double().put(values, 0, values.length);
        return tensor.to(new Device(collectives.context().collectiveDevice()), ScalarType.Double);
    }

    /** Whether {@code flag} is true on at least one rank. */
    public static boolean any(Collectives collectives, boolean flag) {
        return sum(collectives, new double[] {flag ? 1 : 0})[0] > 0;
    }

    /** The mean over ranks of each value, keys in {@code values}' order. */
    public static Map<String, Double> mean(Collectives collectives, Map<String, Double> values) {
        double[] local =
                values.values().stream().mapToDouble(Double::doubleValue).toArray();
        double[] summed = sum(collectives, local);
        Map<String, Double> mean = new LinkedHashMap<>();
        int i = 0;
        for (String key : values.keySet()) {
            mean.put(key, summed[i++] / collectives.context().worldSize());
        }
        return mean;
    }
}
