package dev.vae4j.core.nn;

import static org.bytedeco.pytorch.global.torch.max_pool2d;
import static org.bytedeco.pytorch.global.torch.relu;

import dev.vae4j.core.tensor.Shapes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * torchvision {@code vgg16().features} (configuration "D"): 13 3x3 convolutions (padding 1) with ReLU and five 2x2
 * max-pools, 31 layers indexed 0..30. Convolutions are registered under their torchvision index ({@code 0, 2, 5, 7, 10,
 * 12, 14, 17, 19, 21, 24, 26, 28}), so a parent registering this module as {@code features} gets the keys
 * {@code features.0.weight}, {@code features.28.bias}, ... of a torchvision checkpoint. ReLU and pooling layers have no
 * parameters and are applied functionally.
 *
 * <p>Input (N, C_in, H, W) float; {@link #taps(Tensor)} returns the five LPIPS taps relu1_2, relu2_2, relu3_3, relu4_3,
 * relu5_3 of shapes (N, w1, H, W), (N, w2, H/2, W/2), (N, w3, H/4, W/4), (N, w4, H/8, W/8), (N, w5, H/16, W/16) (floor
 * division) where w1..w5 are the stage widths, 64/128/256/512/512 for the real network (14,714,688 parameters).
 * Narrower widths give an identically structured network for tests.
 */
public final class Vgg16Features extends Module {
    /** The stage widths of the real VGG16. */
    public static final List<Integer> VGG16_WIDTHS = List.of(64, 128, 256, 512, 512);
    /** The number of layers of {@code features} (indices 0..30). */
    public static final int LAYER_COUNT = 31;
    /** The convolutions per stage of configuration "D". */
    private static final int[] CONVS_PER_STAGE = {2, 2, 3, 3, 3};
    /** The features index whose output is each LPIPS tap (the ReLU closing each stage). */
    private static final int[] TAP_INDICES = {3, 8, 15, 22, 29};

    private final List<Integer> widths;
    /** conv by features index; null where the layer is a ReLU or a max-pool. */
    private final Conv2dImpl[] convs = new Conv2dImpl[LAYER_COUNT];

    private final boolean[] pools = new boolean[LAYER_COUNT];

    /** The real VGG16 trunk on RGB input (widths 64/128/256/512/512). */
    public Vgg16Features() {
        this(3, VGG16_WIDTHS);
    }

    /**
     * An identically structured trunk with the given stage widths.
     *
     * @param inChannels input channels (3 for RGB)
     * @param widths five positive stage widths
     * @throws IllegalArgumentException if there are not five positive widths or inChannels is not positive
     */
    public Vgg16Features(int inChannels, List<Integer> widths) {
        if (widths == null || widths.size() != 5 || widths.stream().anyMatch(w -> w == null || w <= 0)) {
            throw new IllegalArgumentException("VGG16 needs five positive stage widths, got " + widths);
        }
        if (inChannels <= 0) {
            throw new IllegalArgumentException("VGG16 input channels must be positive, got " + inChannels);
        }
        this.widths = List.copyOf(widths);
        int index = 0;
        long in = inChannels;
        for (int stage = 0; stage < 5; stage++) {
            long out = widths.get(stage);
            for (int c = 0; c < CONVS_PER_STAGE[stage]; c++) {
                convs[index] = register_module(Integer.toString(index), Layers.conv2d(in, out, 3, 1, 1));
                index += 2; // conv, then ReLU
                in = out;
            }
            pools[index++] = true;
        }
        if (index != LAYER_COUNT) {
            throw new IllegalStateException("VGG16 layer count " + index);
        }
    }

    /** The real trunk's widths divided by {@code divisor} (which must divide 64), for small test networks. */
    public static Vgg16Features withWidthDivisor(int divisor) {
        if (divisor <= 0 || 64 % divisor != 0) {
            throw new IllegalArgumentException("width divisor must be a positive divisor of 64, got " + divisor);
        }
        return new Vgg16Features(3, VGG16_WIDTHS.stream().map(w -> w / divisor).toList());
    }

    /** The five stage widths (the channel counts of the five taps). */
    public List<Integer> widths() {
        return widths;
    }

    /** The input channel count. */
    public long inChannels() {
        return convs[0].weight().size(1);
    }

    /** The convolution at torchvision {@code features} index {@code index}. */
    public Conv2dImpl conv(int index) {
        if (index < 0 || index >= LAYER_COUNT || convs[index] == null) {
            throw new IllegalArgumentException("features." + index + " is not a convolution of VGG16");
        }
        return convs[index];
    }

    /** {@code features[:end]} applied to x (N, C_in, H, W); {@code end} in [0, 31]. */
    public Tensor forwardUntil(Tensor x, int end) {
        if (end < 0 || end > LAYER_COUNT) {
            throw new IllegalArgumentException("VGG16 features end index must be in [0, 31], got " + end);
        }
        requireInput(x);
        Tensor h = x;
        for (int i = 0; i < end; i++) {
            h = layer(i, h);
        }
        return h;
    }

    /** The whole {@code features} stack: (N, C_in, H, W) -> (N, w5, H/32, W/32). */
    public Tensor forward(Tensor x) {
        return forwardUntil(x, LAYER_COUNT);
    }

    /** The five LPIPS taps relu1_2 .. relu5_3 (features indices 3, 8, 15, 22, 29). */
    public List<Tensor> taps(Tensor x) {
        requireInput(x);
        List<Tensor> out = new ArrayList<>(5);
        Tensor h = x;
        int next = 0;
        for (int i = 0; i <= TAP_INDICES[4]; i++) {
            h = layer(i, h);
            if (i == TAP_INDICES[next]) {
                out.add(h);
                next++;
            }
        }
        return out;
    }

    private Tensor layer(int i, Tensor h) {
        if (convs[i] != null) {
            return convs[i].forward(h);
        }
        if (pools[i]) {
            return max_pool2d(h, 2, 2);
        }
        return relu(h);
    }

    private void requireInput(Tensor x) {
        if (x == null || x.isNull() || !x.defined() || x.dim() != 4 || x.size(1) != inChannels()) {
            throw new IllegalArgumentException("VGG16 input must be (N, " + inChannels() + ", H, W), got "
                    + (x == null || x.isNull() || !x.defined() ? "undefined" : Shapes.describe(x)));
        }
    }

    @Override
    public String toString() {
        return "Vgg16Features" + Arrays.toString(widths.toArray());
    }
}
