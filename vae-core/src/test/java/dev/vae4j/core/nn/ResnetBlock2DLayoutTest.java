package dev.vae4j.core.nn;

import static dev.vae4j.core.testing.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.MemoryFormats;
import dev.vae4j.core.tensor.TensorScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The output layout of {@link ResnetBlock2D} in training follows diffusers': a channel-changing block turns a
 * channels-last input (the mid-block attention's output) into a contiguous output, with the same values (within 1e-5:
 * the two layouts run different kernels).
 */
class ResnetBlock2DLayoutTest {
    @Test
    void inTrainingAChannelChangingBlockGivesAContiguousOutputForAChannelsLastInput() {
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(3);
            ResnetBlock2D block = new ResnetBlock2D(16, 8, 4, 1e-6, false);
            block.train(true);
            Tensor x = torch.randn(2, 16, 6, 6);
            Tensor expected = block.forward(x);
            Tensor out = block.forward(MemoryFormats.channelsLast(x));
            assertTrue(out.is_contiguous(), "channels-last input gave a non-contiguous output in training");
            assertClose("output of a channels-last input", expected, out, 1e-5);
        }
    }

    @Test
    void inTrainingASameWidthBlockKeepsTheInputLayout() {
        try (TensorScope scope = new TensorScope()) {
            torch.manual_seed(4);
            ResnetBlock2D block = new ResnetBlock2D(8, 8, 4, 1e-6, false);
            block.train(true);
            Tensor x = MemoryFormats.channelsLast(torch.randn(2, 8, 6, 6));
            assertTrue(MemoryFormats.isChannelsLast(block.forward(x)), "a same-width block changed the layout");
        }
    }
}
