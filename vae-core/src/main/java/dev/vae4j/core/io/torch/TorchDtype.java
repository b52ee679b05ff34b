package dev.vae4j.core.io.torch;

import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The tensor element types a PyTorch checkpoint may name, with their legacy typed-storage class
 * ({@code torch.FloatStorage}), their {@code torch} dtype name ({@code torch.float32}), element size in bytes and
 * libtorch scalar type.
 */
enum TorchDtype {
    /** {@code torch.float32}. */
    FLOAT32("FloatStorage", "float32", 4, ScalarType.Float),
    /** {@code torch.float64}. */
    FLOAT64("DoubleStorage", "float64", 8, ScalarType.Double),
    /** {@code torch.float16}. */
    FLOAT16("HalfStorage", "float16", 2, ScalarType.Half),
    /** {@code torch.bfloat16}. */
    BFLOAT16("BFloat16Storage", "bfloat16", 2, ScalarType.BFloat16),
    /** {@code torch.int64}. */
    INT64("LongStorage", "int64", 8, ScalarType.Long),
    /** {@code torch.int32}. */
    INT32("IntStorage", "int32", 4, ScalarType.Int),
    /** {@code torch.int16}. */
    INT16("ShortStorage", "int16", 2, ScalarType.Short),
    /** {@code torch.int8}. */
    INT8("CharStorage", "int8", 1, ScalarType.Char),
    /** {@code torch.uint8} (also the element type of untyped storages). */
    UINT8("ByteStorage", "uint8", 1, ScalarType.Byte),
    /** {@code torch.bool}. */
    BOOL("BoolStorage", "bool", 1, ScalarType.Bool),
    /** {@code torch.complex64}. */
    COMPLEX64("ComplexFloatStorage", "complex64", 8, ScalarType.ComplexFloat),
    /** {@code torch.complex128}. */
    COMPLEX128("ComplexDoubleStorage", "complex128", 16, ScalarType.ComplexDouble);

    private final String storageClass;
    private final String dtypeName;
    private final int elementSize;
    private final ScalarType scalarType;

    TorchDtype(String storageClass, String dtypeName, int elementSize, ScalarType scalarType) {
        this.storageClass = storageClass;
        this.dtypeName = dtypeName;
        this.elementSize = elementSize;
        this.scalarType = scalarType;
    }

    /** The legacy typed-storage class name in module {@code torch}, e.g. {@code FloatStorage}. */
    public String storageClass() {
        return storageClass;
    }

    /** The dtype's name in module {@code torch}, e.g. {@code float32}. */
    public String dtypeName() {
        return dtypeName;
    }

    /** Bytes per element. */
    public int elementSize() {
        return elementSize;
    }

    /** The libtorch scalar type. */
    public ScalarType scalarType() {
        return scalarType;
    }

    /** The dtype whose storage class is {@code name}, or null. */
    static TorchDtype byStorageClass(String name) {
        for (TorchDtype d : values()) {
            if (d.storageClass.equals(name)) {
                return d;
            }
        }
        return null;
    }

    /** The dtype named {@code name} in module {@code torch} (canonical names and the usual aliases), or null. */
    static TorchDtype byDtypeName(String name) {
        for (TorchDtype d : values()) {
            if (d.dtypeName.equals(name)) {
                return d;
            }
        }
        return switch (name) {
            case "float" -> FLOAT32;
            case "double" -> FLOAT64;
            case "half" -> FLOAT16;
            case "long" -> INT64;
            case "int" -> INT32;
            case "short" -> INT16;
            default -> null;
        };
    }
}
