package dev.vae4j.core.nn;

import dev.vae4j.core.tensor.Intermediates;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * A building block whose forward is written in Java and maps one NCHW tensor to another (resnets, attentions,
 * resamplers, convolutions), so the model classes can hold whichever variant the configuration selects.
 */
public abstract class Block2D extends Module {
    /** (N, C_in, H, W) -> (N, C_out, H', W'), as the concrete block documents. */
    public abstract Tensor forward(Tensor x);

    /**
     * {@link #forward} of an input the caller owns and no longer needs (see {@link Intermediates}): it is freed
     * once read, so a block made of steps frees it after its first step instead of holding it to the end.
     */
    public Tensor forwardOwned(Tensor owned) {
        return Intermediates.consume(owned, forward(owned));
    }
}
