package dev.vae4j.eval.fid;

import static org.bytedeco.pytorch.global.torch.adaptive_avg_pool2d;
import static org.bytedeco.pytorch.global.torch.upsample_bilinear2d;

import dev.vae4j.core.io.LoadReport;
import dev.vae4j.core.io.SafetensorsReader;
import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.io.WeightLoadingException;
import dev.vae4j.core.tensor.Shapes;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The FID Inception network exactly as pytorch-fid 0.3.0 builds it ({@code InceptionV3([3])} on
 * {@code fid_inception_v3()}): torchvision Inception3 with FIDInceptionA/C/E_1/E_2 blocks, run to the 2048-d "pool3"
 * features. Input images (N, 3, H, W) in [0, 1] are resized bilinearly to 299 x 299 ({@code align_corners=False}),
 * mapped to [-1, 1], passed through the stem, Mixed_5b..Mixed_7c and a global average pool: output (N, 2048), float32.
 * Parameters carry torchvision's names ({@code Conv2d_1a_3x3.conv.weight}, {@code Mixed_7c.branch_pool.bn.running_var},
 * ...), so a safetensors conversion of the user's {@code pt_inception-2015-12-05} state dict loads directly (its
 * {@code fc.*} classifier is ignored). Holds 21.8M parameters; no weights ship with vae4j.
 */
public final class FidInceptionV3 extends Module {
    /** Feature dimension of pool3. */
    public static final int DIMENSION = 2048;
    /** Side the input is resized to. */
    public static final int INPUT_SIZE = 299;

    private final BasicConv2d conv1a;
    private final BasicConv2d conv2a;
    private final BasicConv2d conv2b;
    private final BasicConv2d conv3b;
    private final BasicConv2d conv4a;
    private final FidInceptionA mixed5b;
    private final FidInceptionA mixed5c;
    private final FidInceptionA mixed5d;
    private final InceptionB mixed6a;
    private final FidInceptionC[] mixed6 = new FidInceptionC[4];
    private final InceptionD mixed7a;
    private final FidInceptionE mixed7b;
    private final FidInceptionE mixed7c;

    /** The network with libtorch's default initialisation; load weights with {@link #fromSafetensors}. */
    public FidInceptionV3() {
        conv1a = register_module("Conv2d_1a_3x3", new BasicConv2d(3, 32, 3, 2, 0));
        conv2a = register_module("Conv2d_2a_3x3", new BasicConv2d(32, 32, 3, 1, 0));
        conv2b = register_module("Conv2d_2b_3x3", new BasicConv2d(32, 64, 3, 1, 1));
        conv3b = register_module("Conv2d_3b_1x1", new BasicConv2d(64, 80, 1, 1, 0));
        conv4a = register_module("Conv2d_4a_3x3", new BasicConv2d(80, 192, 3, 1, 0));
        mixed5b = register_module("Mixed_5b", new FidInceptionA(192, 32));
        mixed5c = register_module("Mixed_5c", new FidInceptionA(256, 64));
        mixed5d = register_module("Mixed_5d", new FidInceptionA(288, 64));
        mixed6a = register_module("Mixed_6a", new InceptionB(288));
        long[] c7 = {128, 160, 160, 192};
        String[] names = {"Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"};
        for (int i = 0; i < 4; i++) {
            mixed6[i] = register_module(names[i], new FidInceptionC(768, c7[i]));
        }
        mixed7a = register_module("Mixed_7a", new InceptionD(768));
        mixed7b = register_module("Mixed_7b", new FidInceptionE(1280, false));
        mixed7c = register_module("Mixed_7c", new FidInceptionE(2048, true));
        eval();
    }

    /**
     * The network with weights from a safetensors file of torchvision Inception3 names (float32), in eval mode. Every
     * parameter and BatchNorm running statistic must be present with its shape; {@code fc.*} and {@code AuxLogits.*}
     * keys are ignored, and BatchNorm {@code num_batches_tracked} counters may be absent (as PyTorch allows for state
     * dicts saved before they existed; eval mode never reads them).
     *
     * @throws WeightLoadingException naming the missing, mis-shaped or unknown keys
     */
    public static FidInceptionV3 fromSafetensors(Path file) {
        FidInceptionV3 net = new FidInceptionV3();
        try (SafetensorsReader reader = SafetensorsReader.open(file)) {
            LoadReport report = StateDict.load(net, TensorSource.of(reader), false, file.toString());
            List<String> unknown = report.unexpected().stream()
                    .filter(k -> !k.startsWith("fc.") && !k.startsWith("AuxLogits."))
                    .toList();
            List<String> missing = report.missing().stream()
                    .filter(k -> !k.endsWith(".num_batches_tracked"))
                    .toList();
            if (!missing.isEmpty() || !report.mismatched().isEmpty() || !unknown.isEmpty()) {
                throw new WeightLoadingException(
                        file.toString(), new LoadReport(missing, unknown, report.mismatched(), report.loaded()));
            }
        }
        net.eval();
        return net;
    }

    /** pool3 features of images (N, 3, H, W) in [0, 1] (pytorch-fid's input convention): (N, 2048). */
    public Tensor forward(Tensor unitImages) {
        if (unitImages.dim() != 4 || unitImages.size(1) != 3) {
            throw new IllegalArgumentException(
                    "FID Inception needs RGB images (N, 3, H, W), got " + Shapes.describe(unitImages));
        }
        Tensor x = upsample_bilinear2d(unitImages, new long[] {INPUT_SIZE, INPUT_SIZE}, false);
        x = x.mul(new Scalar(2)).sub(new Scalar(1));
        x = conv2b.forward(conv2a.forward(conv1a.forward(x)));
        x = InceptionBlocks.maxPool3(x, 2, 0);
        x = conv4a.forward(conv3b.forward(x));
        x = InceptionBlocks.maxPool3(x, 2, 0);
        x = mixed6a.forward(mixed5d.forward(mixed5c.forward(mixed5b.forward(x))));
        for (FidInceptionC block : mixed6) {
            x = block.forward(x);
        }
        x = mixed7c.forward(mixed7b.forward(mixed7a.forward(x)));
        return adaptive_avg_pool2d(x, 1, 1).flatten(1, -1);
    }

    /** pool3 features of images (N, 3, H, W) in [-1, 1] (vae4j's convention), mapped to [0, 1] first: (N, 2048). */
    public Tensor features(Tensor images) {
        return forward(images.add(new Scalar(1)).div(new Scalar(2)));
    }
}
