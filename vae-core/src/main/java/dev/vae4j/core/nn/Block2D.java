package dev.vae4j.core.nn;

import dev.vae4j.core.tensor.Intermediates;
import java.util.List;
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
     * {@link #forward} of an input the caller owns and no longer needs (see {@link Intermediates}): it is freed once
     * read, so a block made of steps frees it after its first step instead of holding it to the end.
     */
    public Tensor forwardOwned(Tensor owned) {
        return Intermediates.consume(owned, forward(owned));
    }

    /**
     * Applies {@code blocks} in order to {@code input}; each block gets the previous one's output as an owned input
     * ({@link #forwardOwned}), and so does the first block when {@code inputOwned}. Returns {@code input} when there
     * are no blocks.
     */
    static Tensor chain(Tensor input, boolean inputOwned, List<Block2D> blocks) {
        Tensor h = input;
        boolean owned = inputOwned;
        for (Block2D block : blocks) {
            h = owned ? block.forwardOwned(h) : block.forward(h);
            owned = true;
        }
        return h;
    }
}
