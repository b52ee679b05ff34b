package dev.vae4j.core.tensor;

import static org.bytedeco.pytorch.global.torch.ones;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** {@link InferenceScope}: inference mode inside and not after; unkept tensors freed, kept ones alive. */
class InferenceScopeTest {
    @Test
    void opensInferenceModeAndFreesWhatItDoesNotKeep() {
        try (TensorScope outer = new TensorScope()) {
            Tensor kept;
            Tensor dropped;
            try (InferenceScope scope = new InferenceScope()) {
                assertTrue(InferenceMode.is_enabled());
                dropped = ones(2, 2);
                kept = scope.keep(ones(3).mul(new Scalar(2.0)));
            }
            assertFalse(InferenceMode.is_enabled());
            assertTrue(dropped.isNull(), "a tensor not kept is freed when the scope closes");
            assertEquals(6.0, kept.sum().item_double(), 0.0);
        }
    }
}
