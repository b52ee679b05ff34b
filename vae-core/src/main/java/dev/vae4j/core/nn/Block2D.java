package dev.vae4j.core.nn;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * A building block whose forward is written in Java and maps one NCHW tensor to another (resnets, attentions,
 * resamplers, convolutions), so the model classes can hold whichever variant the configuration selects.
 */
public abstract class Block2D extends Module {
    /** (N, C_in, H, W) -> (N, C_out, H', W'), as the concrete block documents. */
    public abstract Tensor forward(Tensor x);
}
