package dev.vae4j.core.tensor;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.MemoryFormat;

/**
 * The channels-last (NHWC-strided) memory format, PyTorch's {@code torch.channels_last}: a 4-D tensor keeps its logical
 * (N, C, H, W) shape but stores the channels of each pixel next to each other, which lets oneDNN run convolutions
 * without reordering. Values and shapes are unchanged; only strides differ.
 */
public final class MemoryFormats {
    private MemoryFormats() {}

    /** {@code x} in channels-last layout when 4-D (a copy unless it already is), otherwise {@code x} itself. */
    public static Tensor channelsLast(Tensor x) {
        return x.dim() == 4 ? x.contiguous(MemoryFormat.ChannelsLast) : x;
    }

    /** Whether {@code x} is 4-D and laid out channels-last. */
    public static boolean isChannelsLast(Tensor x) {
        return x.dim() == 4 && x.is_contiguous(MemoryFormat.ChannelsLast);
    }

    /**
     * Re-lays every 4-D parameter and buffer of {@code module} (recursively) out channels-last, in place, like
     * {@code module.to(memory_format=torch.channels_last)}; other tensors are left alone.
     */
    public static void toChannelsLast(Module module) {
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            relayout(module.parameters(true));
            relayout(module.buffers(true));
        }
    }

    private static void relayout(TensorVector tensors) {
        for (long i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (t.dim() == 4 && !t.is_contiguous(MemoryFormat.ChannelsLast)) {
                t.set_data(t.contiguous(MemoryFormat.ChannelsLast));
            }
        }
    }
}
