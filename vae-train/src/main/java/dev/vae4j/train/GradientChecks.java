package dev.vae4j.train;

import static org.bytedeco.pytorch.global.torch.isfinite;
import static org.bytedeco.pytorch.global.torch.stack;
import static org.bytedeco.pytorch.global.torch.zeros;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The gradient side of one {@link Trainer} step, all on the device: global-norm clipping, the step's single finite
 * check over loss totals and gradient norms, and the poisoning that makes one rank's non-finite loss visible to all.
 */
final class GradientChecks {
    private GradientChecks() {}

    /**
     * Scales the gradients of {@code parameters} to total L2 norm at most {@code maxNorm} (0: no clipping;
     * {@link TrainConfig#gradClip()}) on the device, as {@code torch.nn.utils.clip_grad_norm_} does (the same norms,
     * coefficient {@code min(1, max / (norm + 1e-6))}), without reading the norm: returns it as a 0-d tensor.
     */
    static Tensor clip(List<Tensor> parameters, double maxNorm, Device device) {
        TensorVector norms = new TensorVector();
        List<Tensor> grads = new ArrayList<>();
        for (Tensor p : parameters) {
            Tensor g = p.grad();
            if (g.defined()) {
                grads.add(g);
                norms.push_back(g.norm(new Scalar(2.0)));
            }
        }
        if (grads.isEmpty()) {
            return zeros(new long[] {}, new TensorOptions(ScalarType.Float)).to(device, ScalarType.Float);
        }
        Tensor total = stack(norms).norm(new Scalar(2.0));
        if (maxNorm > 0) {
            Tensor coefficient = total.add(new Scalar(1e-6))
                    .reciprocal()
                    .mul(new Scalar(maxNorm))
                    .clamp_max(new Scalar(1.0));
            grads.forEach(g -> g.mul_(coefficient));
        }
        return total;
    }

    /**
     * The step's one host read: whether every checked value (loss totals, gradient norms) is finite; null if so, else
     * the name of the first that is not (a second read, only on such a step), or "value on another rank".
     */
    static String firstNonFinite(Map<String, Tensor> checked) {
        TensorVector values = new TensorVector();
        checked.values().forEach(v -> values.push_back(v.to(ScalarType.Double)));
        Tensor stacked = stack(values);
        if (HostSyncs.isTrue(isfinite(stacked).all())) {
            return null;
        }
        double[] host = HostSyncs.read(stacked);
        int i = 0;
        for (String name : checked.keySet()) {
            double value = host[i++];
            if (!Double.isFinite(value)) {
                return name + " (" + value + ")";
            }
        }
        return "value on another rank";
    }

    /**
     * Makes a non-finite loss on this rank non-finite on every rank without a collective of its own: adds {@code 0 *
     * sum(losses)} (exactly 0 when they are finite, NaN when not) to one gradient of each network in {@code networks}
     * (those being updated) before the gradients are averaged, so every rank's gradient norm check sees it.
     */
    static void poisonOnNonFiniteLoss(Iterable<Tensor> losses, List<List<Tensor>> networks) {
        Tensor zero = null;
        for (Tensor loss : losses) {
            Tensor term = loss.mul(new Scalar(0.0));
            zero = zero == null ? term : zero.add(term);
        }
        if (zero == null) {
            return;
        }
        for (List<Tensor> parameters : networks) {
            for (Tensor p : parameters) {
                if (p.grad().defined()) {
                    p.grad().add_(zero);
                    break;
                }
            }
        }
    }
}
