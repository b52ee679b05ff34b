package dev.vae4j.core.io;

import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Element types of the safetensors format, in the reference's declaration order, which is increasing alignment order
 * (the writer sorts tensors by this order, descending). Each constant knows its size in bits (4, 6, 8, 16, 32 or 64)
 * and, where libtorch has the type, the matching torch {@link ScalarType}.
 *
 * <p>Types without a libtorch equivalent ({@link #F4}, {@link #F6_E2M3}, {@link #F6_E3M2}) can be listed by
 * {@link SafetensorsReader} but loading them throws {@link SafetensorsFormatException} naming the dtype.
 */
public enum SafetensorsDType {
    /** Boolean, one byte per element (0 or 1). */
    BOOL(8, ScalarType.Bool),
    /** MXF4 (4-bit float, two per byte); no libtorch equivalent. */
    F4(4, null),
    /** MXF6 E2M3 (6-bit float); no libtorch equivalent. */
    F6_E2M3(6, null),
    /** MXF6 E3M2 (6-bit float); no libtorch equivalent. */
    F6_E3M2(6, null),
    /** Unsigned 8-bit integer ({@code torch.uint8}). */
    U8(8, ScalarType.Byte),
    /** Signed 8-bit integer ({@code torch.int8}). */
    I8(8, ScalarType.Char),
    /** FP8 E5M2 ({@code torch.float8_e5m2}). */
    F8_E5M2(8, ScalarType.Float8_e5m2),
    /** FP8 E4M3 ({@code torch.float8_e4m3fn}). */
    F8_E4M3(8, ScalarType.Float8_e4m3fn),
    /** FP8 E8M0 scale format ({@code torch.float8_e8m0fnu}). */
    F8_E8M0(8, ScalarType.Float8_e8m0fnu),
    /** FP8 E4M3 FNUZ ({@code torch.float8_e4m3fnuz}). */
    F8_E4M3FNUZ(8, ScalarType.Float8_e4m3fnuz),
    /** FP8 E5M2 FNUZ ({@code torch.float8_e5m2fnuz}). */
    F8_E5M2FNUZ(8, ScalarType.Float8_e5m2fnuz),
    /** Signed 16-bit integer ({@code torch.int16}). */
    I16(16, ScalarType.Short),
    /** Unsigned 16-bit integer ({@code torch.uint16}). */
    U16(16, ScalarType.UInt16),
    /** IEEE half precision ({@code torch.float16}). */
    F16(16, ScalarType.Half),
    /** bfloat16 ({@code torch.bfloat16}). */
    BF16(16, ScalarType.BFloat16),
    /** Signed 32-bit integer ({@code torch.int32}). */
    I32(32, ScalarType.Int),
    /** Unsigned 32-bit integer ({@code torch.uint32}). */
    U32(32, ScalarType.UInt32),
    /** IEEE single precision ({@code torch.float32}). */
    F32(32, ScalarType.Float),
    /** Complex with two float32 parts ({@code torch.complex64}). */
    C64(64, ScalarType.ComplexFloat),
    /** IEEE double precision ({@code torch.float64}). */
    F64(64, ScalarType.Double),
    /** Signed 64-bit integer ({@code torch.int64}). */
    I64(64, ScalarType.Long),
    /** Unsigned 64-bit integer ({@code torch.uint64}). */
    U64(64, ScalarType.UInt64);

    private final int bits;
    private final ScalarType scalarType;

    SafetensorsDType(int bits, ScalarType scalarType) {
        this.bits = bits;
        this.scalarType = scalarType;
    }

    /** Size of one element in bits (4, 6, 8, 16, 32 or 64). */
    public int bits() {
        return bits;
    }

    /** The matching libtorch scalar type, or {@code null} if libtorch has none (F4, F6_E2M3, F6_E3M2). */
    public ScalarType scalarType() {
        return scalarType;
    }

    /** Whether tensors of this dtype can be loaded into / written from libtorch tensors. */
    public boolean hasScalarType() {
        return scalarType != null;
    }

    /**
     * The dtype named exactly {@code s} as written in a safetensors header (e.g. {@code "F32"}, {@code "BF16"}).
     *
     * @throws SafetensorsFormatException if {@code s} is null or not a safetensors dtype
     */
    public static SafetensorsDType parse(String s) {
        if (s != null) {
            for (SafetensorsDType d : values()) {
                if (d.name().equals(s)) {
                    return d;
                }
            }
        }
        throw new SafetensorsFormatException("unknown safetensors dtype '" + s + "'");
    }

    /**
     * The safetensors dtype of a libtorch scalar type.
     *
     * @throws IllegalArgumentException if safetensors has no dtype for {@code type} (e.g. quantized or complex-half)
     */
    public static SafetensorsDType of(ScalarType type) {
        java.util.Objects.requireNonNull(type, "type");
        for (SafetensorsDType d : values()) {
            // compare values: enums returned by native calls are not always the interned constants
            if (d.scalarType != null && d.scalarType.value == type.value) {
                return d;
            }
        }
        throw new IllegalArgumentException("torch scalar type " + type + " has no safetensors dtype");
    }
}
