package dev.vae4j.diffusion.dit;

import static org.bytedeco.pytorch.global.torch.empty;
import static org.bytedeco.pytorch.global.torch.rand;
import static org.bytedeco.pytorch.global.torch.where;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The random decisions of one DiT forward pass, drawn in diffusers' order from one CPU generator: in training mode
 * every {@code LabelEmbedding.token_drop} draws {@code rand(N) < 0.1} (class dropout; forced drops draw nothing) and
 * every {@code nn.Dropout} a {@code bernoulli_(1 - p)} mask scaled by {@code 1 / (1 - p)}. Seeded alike, the draws
 * equal PyTorch's on the CPU; masks are moved to the tensors' device.
 */
final class TrainingNoise {
    /**
     * diffusers' {@code CombinedTimestepLabelEmbeddings} class dropout, which {@code AdaLayerNormZero} never changes.
     */
    static final double CLASS_DROPOUT = 0.1;

    private final boolean training;
    private final double dropout;
    private final Generator generator;
    private final Tensor forcedDrops;

    /**
     * @param training whether labels are dropped at random and dropout applies
     * @param dropout the dropout probability of training mode
     * @param generator the CPU generator of training mode's draws
     * @param forcedDrops (N) entries equal to 1 drop their label in every embedder, in either mode; null for none
     */
    TrainingNoise(boolean training, double dropout, Generator generator, Tensor forcedDrops) {
        this.training = training;
        this.dropout = dropout;
        this.generator = generator;
        this.forcedDrops = forcedDrops;
    }

    /** {@code labels} (N) with the dropped entries replaced by {@code nullClass}. */
    Tensor dropLabels(Tensor labels, long nullClass) {
        Tensor drop;
        if (forcedDrops != null) {
            drop = forcedDrops.eq(new Scalar(1));
        } else if (training) {
            drop = rand(
                            new long[] {labels.size(0)},
                            new GeneratorOptional(generator),
                            new TensorOptions(ScalarType.Float))
                    .lt(new Scalar(CLASS_DROPOUT))
                    .to(labels.device(), ScalarType.Bool);
        } else {
            return labels;
        }
        return where(drop, new Scalar(nullClass), labels);
    }

    /** {@code x} after dropout in training mode; {@code x} itself otherwise. */
    Tensor dropout(Tensor x) {
        if (!training || dropout == 0) {
            return x;
        }
        Tensor mask = empty(x.sizes().vec().get(), new TensorOptions(x.scalar_type()), new MemoryFormatOptional())
                .bernoulli_(1 - dropout, new GeneratorOptional(generator))
                .div_(new Scalar(1 - dropout));
        return x.mul(mask.to(x.device(), x.scalar_type()));
    }
}
