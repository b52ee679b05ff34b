package dev.vae4j.core.tensor;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The arithmetic precision of inference: {@link #FP32} (no autocast), or libtorch autocast to {@link #BF16} or
 * {@link #FP16}, where the ops autocast lists (convolutions, matmuls, attention) run in the lower precision and the
 * rest (group norm, softmax) stay in float32, as under {@code torch.autocast(device, dtype)}.
 *
 * <p>Low precision pays off on GPUs and on CPUs with native bf16/fp16 arithmetic (AVX512-BF16, AMX). Elsewhere libtorch
 * falls back to slow kernels: on an AVX2-only CPU the SD VAE ran 150-270x slower in bf16 than in float32, in PyTorch as
 * in vae4j.
 */
public enum Precision {
    /** float32 everywhere. */
    FP32("fp32", ScalarType.Float),
    /** bfloat16 autocast: float32's range, 8 bits of mantissa. */
    BF16("bf16", ScalarType.BFloat16),
    /** float16 autocast: 11 bits of mantissa but a maximum of 65504, which large VAE activations can exceed. */
    FP16("fp16", ScalarType.Half);

    private final String label;
    private final ScalarType scalarType;

    Precision(String label, ScalarType scalarType) {
        this.label = label;
        this.scalarType = scalarType;
    }

    /** Parses {@code fp32}, {@code bf16} or {@code fp16} (case-insensitive). */
    @JsonCreator
    public static Precision parse(String text) {
        for (Precision p : values()) {
            if (p.label.equalsIgnoreCase(text.strip())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown precision '" + text + "'; use fp32, bf16 or fp16");
    }

    /** The command-line spelling: {@code fp32}, {@code bf16} or {@code fp16}. */
    @JsonValue
    public String label() {
        return label;
    }

    /** The libtorch scalar type of this precision. */
    public ScalarType scalarType() {
        return scalarType;
    }

    /** An autocast block for this precision on {@code device}; a no-op for {@link #FP32}. */
    public Autocast autocast(DeviceType device) {
        return new Autocast(device, scalarType, this != FP32);
    }

    @Override
    public String toString() {
        return label;
    }
}
