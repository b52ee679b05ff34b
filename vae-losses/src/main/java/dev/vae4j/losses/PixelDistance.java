package dev.vae4j.losses;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/** Elementwise pixel distances: {@code |x - y|} (L1) or {@code (x - y)^2} (L2), same shape as the inputs. */
public enum PixelDistance {
    /** Absolute difference. */
    L1,
    /** Squared difference. */
    L2;

    /** The elementwise distance of two same-shape tensors. */
    public Tensor elementwise(Tensor x, Tensor y) {
        Tensor d = x.sub(y);
        return this == L1 ? d.abs() : d.pow(new Scalar(2));
    }
}
