package dev.vae4j.core.tensor;

import static org.bytedeco.pytorch.global.torch.clear_cache;
import static org.bytedeco.pytorch.global.torch.decrement_nesting;
import static org.bytedeco.pytorch.global.torch.get_autocast_dtype;
import static org.bytedeco.pytorch.global.torch.increment_nesting;
import static org.bytedeco.pytorch.global.torch.is_autocast_enabled;
import static org.bytedeco.pytorch.global.torch.set_autocast_dtype;
import static org.bytedeco.pytorch.global.torch.set_autocast_enabled;

import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * libtorch autocast as a try-with-resources block, like {@code torch.autocast(device, dtype)}: inside it, ops that
 * autocast lists run in {@code dtype} (bf16 or fp16) on {@code device}; closing restores the previous setting. There is
 * no gradient scaler in the presets, so use bf16 for training (fp32 range) and fp16 for inference.
 */
public final class Autocast implements AutoCloseable {
    private final DeviceType device;
    private final boolean wasEnabled;
    private final ScalarType previousType;
    private final boolean active;

    /**
     * @param device the device type whose autocast is switched
     * @param dtype the lower precision type
     * @param enabled false makes this block a no-op (so callers need no branch)
     */
    public Autocast(DeviceType device, ScalarType dtype, boolean enabled) {
        this.device = device;
        this.active = enabled;
        this.wasEnabled = is_autocast_enabled(device);
        this.previousType = get_autocast_dtype(device);
        if (enabled) {
            set_autocast_enabled(device, true);
            set_autocast_dtype(device, dtype);
            increment_nesting();
        }
    }

    @Override
    public void close() {
        if (active) {
            if (decrement_nesting() == 0) {
                clear_cache();
            }
            set_autocast_enabled(device, wasEnabled);
            set_autocast_dtype(device, previousType);
        }
    }
}
