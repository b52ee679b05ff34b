package dev.vae4j.diffusion.sampling;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.zeros;

import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.testing.SamplerFixture;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A libtorch CPU generator seeded from Java draws the same {@code randn} as PyTorch's
 * {@code torch.Generator().manual_seed(s)} (two consecutive draws, the second below the 16-element vectorised path) and
 * as {@code torch.randn_like} after {@code torch.manual_seed(s)}: bit-identical (tolerance 0), which is what lets the
 * sampler fixtures seed instead of storing per-step noise.
 */
@Tag("parity")
class NoiseSourceParityTest {

    @Test
    void seededGeneratorDrawsPyTorchsNumbers() {
        try (TensorScope scope = new TensorScope();
                SafetensorsReader io = SafetensorsReader.open(SamplerFixture.DIR.resolve("randn.safetensors"))) {
            long seed = SamplerFixture.CASES.get("seed").asLong();
            NoiseSource noise = NoiseSource.of(createCPUGenerator(seed));
            Tensor like = zeros(new long[] {4, 4, 8, 8}, new TensorOptions(ScalarType.Float));
            assertClose("randn generator draw 1", io.load("generator.0"), noise.normalLike(like), 0.0);
            Tensor small = zeros(new long[] {5}, new TensorOptions(ScalarType.Float));
            assertClose("randn generator draw 2", io.load("generator.1"), noise.normalLike(small), 0.0);
            NoiseSource global = NoiseSource.of(createCPUGenerator(seed));
            assertClose("randn_like after manual_seed", io.load("global"), global.normalLike(like), 0.0);
        }
    }
}
