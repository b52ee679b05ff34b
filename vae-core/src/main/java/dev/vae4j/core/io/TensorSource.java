package dev.vae4j.core.io;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Named tensors that can be loaded one at a time, so that copying a checkpoint into a model never holds a second full
 * copy of the weights. Shapes are known without loading.
 */
public interface TensorSource {
    /** The tensor names, in a stable order. */
    List<String> names();

    /** The shape of tensor {@code name}. */
    long[] shape(String name);

    /** Loads tensor {@code name} (any dtype; callers convert). */
    Tensor load(String name);

    /** A source over tensors already in memory. */
    static TensorSource of(Map<String, Tensor> tensors) {
        return new TensorSource() {
            @Override
            public List<String> names() {
                return new ArrayList<>(tensors.keySet());
            }

            @Override
            public long[] shape(String name) {
                return tensors.get(name).sizes().vec().get();
            }

            @Override
            public Tensor load(String name) {
                return tensors.get(name);
            }
        };
    }

    /** A source over the tensors of an open safetensors file. */
    static TensorSource of(SafetensorsReader reader) {
        return new TensorSource() {
            @Override
            public List<String> names() {
                return reader.names();
            }

            @Override
            public long[] shape(String name) {
                return reader.entry(name).shape();
            }

            @Override
            public Tensor load(String name) {
                return reader.load(name);
            }
        };
    }
}
