package dev.vae4j.core.io;

import dev.vae4j.core.FileAccessException;
import dev.vae4j.core.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.StringTensorDictItem;
import org.bytedeco.pytorch.Tensor;

/**
 * Module &lt;-&gt; named tensors, the {@code state_dict} of PyTorch: names are the dotted registration paths
 * ({@code encoder.down_blocks.0.resnets.0.norm1.weight}), covering parameters and buffers.
 */
public final class StateDict {
    private StateDict() {}

    /** The module's parameters then buffers by name, in registration order (live tensors, not copies). */
    public static Map<String, Tensor> of(Module module) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        put(tensors, module.named_parameters(true));
        put(tensors, module.named_buffers(true));
        return tensors;
    }

    private static void put(Map<String, Tensor> into, StringTensorDict dict) {
        for (long i = 0; i < dict.size(); i++) {
            StringTensorDictItem item = dict.get(i);
            // value() points into the dict, which the GC may free: take an owning reference of our own.
            into.put(item.key().getString(), new Tensor(item.value()));
        }
    }

    /** The parameters of {@code module} and its children, in registration order. */
    public static List<Tensor> parameters(Module module) {
        return values(module.named_parameters(true));
    }

    /** The buffers (e.g. BatchNorm running statistics) of {@code module} and its children, in registration order. */
    public static List<Tensor> buffers(Module module) {
        return values(module.named_buffers(true));
    }

    private static List<Tensor> values(StringTensorDict dict) {
        List<Tensor> list = new ArrayList<>();
        for (long i = 0; i < dict.size(); i++) {
            list.add(new Tensor(dict.get(i).value()));
        }
        return list;
    }

    /**
     * Writes the module's state dict as a safetensors file with {@code {"format": "pt"}} metadata (what diffusers and
     * safetensors' {@code save_model} write), creating the parent folder; atomic like {@link SafetensorsWriter}.
     */
    public static void save(Module module, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new FileAccessException("cannot create folder for " + file + ": " + e.getMessage(), e);
        }
        SafetensorsWriter.write(file, of(module), Map.of("format", "pt"));
    }

    /** Total number of parameter elements of {@code module}. */
    public static long parameterCount(Module module) {
        StringTensorDict params = module.named_parameters(true);
        long count = 0;
        for (long i = 0; i < params.size(); i++) {
            count += params.get(i).value().numel();
        }
        return count;
    }

    /**
     * Copies every tensor of {@code source} whose name and shape match a parameter or buffer of {@code module}
     * (converting dtype and device), one tensor at a time.
     *
     * @param strict when true, any missing, unexpected or mis-shaped key throws a {@link WeightLoadingException}
     *     (carrying all of them, and the layout the source's keys resemble), before anything is copied
     * @param origin the source's description for messages (a file path)
     * @return the report (clean when strict loading returns)
     */
    public static LoadReport load(Module module, TensorSource source, boolean strict, String origin) {
        Map<String, Tensor> targets = of(module);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        targets.forEach((name, tensor) -> shapes.put(name, tensor.sizes().vec().get()));
        LoadReport report = compare(shapes, source);
        if (strict && !report.clean()) {
            throw new WeightLoadingException(origin, report, CheckpointLayout.hint(source.names()));
        }
        Set<String> skipped = new TreeSet<>(report.missing());
        report.mismatched().forEach(line -> skipped.add(line.substring(0, line.indexOf(": model "))));
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (String name : shapes.keySet()) {
                if (!skipped.contains(name)) {
                    try (TensorScope scope = new TensorScope()) {
                        targets.get(name).copy_(source.load(name));
                    }
                }
            }
        }
        return report;
    }

    /**
     * Compares the names and shapes {@code expected} (in order) with {@code source}: missing, unexpected and mis-shaped
     * keys ("key: model [..] vs file [..]"); {@code loaded} counts the keys that match.
     */
    public static LoadReport compare(Map<String, long[]> expected, TensorSource source) {
        Set<String> unexpected = new TreeSet<>(source.names());
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, long[]> entry : expected.entrySet()) {
            String name = entry.getKey();
            if (!unexpected.remove(name)) {
                missing.add(name);
            } else if (!Arrays.equals(entry.getValue(), source.shape(name))) {
                mismatched.add(name + ": model " + Arrays.toString(entry.getValue()) + " vs file "
                        + Arrays.toString(source.shape(name)));
            }
        }
        return new LoadReport(
                missing, new ArrayList<>(unexpected), mismatched, expected.size() - missing.size() - mismatched.size());
    }
}
