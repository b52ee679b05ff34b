package dev.vae4j.dwt;

import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.randn;

import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Seeded random tensors for the tests. */
public final class TestTensors {
    private TestTensors() {}

    /** Standard normal float64 tensor of {@code shape} drawn from a CPU generator seeded with {@code seed}. */
    public static Tensor randnDouble(long seed, long... shape) {
        return randn(shape, new GeneratorOptional(createCPUGenerator(seed)), new TensorOptions(ScalarType.Double));
    }

    /** Standard normal float32 tensor. */
    public static Tensor randnFloat(long seed, long... shape) {
        return randn(shape, new GeneratorOptional(createCPUGenerator(seed)), new TensorOptions(ScalarType.Float));
    }
}
