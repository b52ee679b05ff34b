package dev.vae4j.core.model.tiny;

import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.randn;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.io.TensorSource;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The random weights of {@code tools/reference/gen_autoencoder_tiny.py}, rebuilt in Java: one half's tensors in
 * taesd.py's names, filled in sorted key order from a seeded CPU generator ({@code randn * 1/sqrt(fan-in)} for conv
 * weights, {@code randn * 0.1} for 1-D tensors), as the script fills taesd.py's modules.
 */
public final class TaesdWeights {
    private TaesdWeights() {}

    /**
     * taesd.py's state dict of one half of {@code config}, named as taesd.py names it ({@code 3.conv.0.weight}).
     *
     * @param half {@code "encoder"} or {@code "decoder"}
     */
    public static Map<String, Tensor> of(AutoencoderTinyConfig config, String half, long seed) {
        AutoencoderTiny model = new AutoencoderTiny(config, half.equals("encoder"), half.equals("decoder"), "test");
        int shift = half.equals("decoder") ? 1 : 0;
        Map<String, long[]> shapes = new TreeMap<>();
        StateDict.of(model).forEach((name, tensor) -> {
            String rest = name.substring((half + ".layers.").length());
            int dot = rest.indexOf('.');
            shapes.put(
                    (Integer.parseInt(rest.substring(0, dot)) + shift) + rest.substring(dot),
                    tensor.sizes().vec().get());
        });
        Generator generator = createCPUGenerator(seed);
        Map<String, Tensor> weights = new TreeMap<>();
        shapes.forEach((name, shape) -> {
            double scale = shape.length == 4 ? 1.0 / Math.sqrt(shape[1] * shape[2] * shape[3]) : 0.1;
            weights.put(
                    name,
                    randn(shape, new GeneratorOptional(generator), new TensorOptions(ScalarType.Float))
                            .mul(new Scalar(scale)));
        });
        return weights;
    }

    /** Sum of |w| over every tensor, in float64 (the script's check value). */
    public static double absSum(Map<String, Tensor> weights) {
        return weights.values().stream()
                .mapToDouble(t -> t.to(ScalarType.Double).abs().sum().item_double())
                .sum();
    }

    /** The weights as a tensor source. */
    public static TensorSource source(Map<String, Tensor> weights) {
        return TensorSource.of(weights);
    }
}
