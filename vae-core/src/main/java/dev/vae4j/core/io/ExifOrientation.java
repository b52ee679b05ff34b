package dev.vae4j.core.io;

import java.util.Locale;

/**
 * Whether image decoding applies the EXIF {@code Orientation} tag of JPEG files. The default, {@link #IGNORE}, keeps
 * the stored pixel grid as PIL's {@code Image.open(f).convert("RGB")} does — what training scripts see; {@link #APPLY}
 * rotates/mirrors the image upright as diffusers' {@code load_image} does through PIL's {@code ImageOps.exif_transpose}
 * (and sizes read from headers follow). The choice is process-wide: the system property {@value #PROPERTY}
 * ({@code ignore} or {@code apply}), which {@code vae --exif-orientation} sets.
 */
public enum ExifOrientation {
    /** Keep the stored pixels (PIL's bare {@code convert("RGB")}); the default. */
    IGNORE,
    /** Turn the image upright as the tag says (PIL's {@code ImageOps.exif_transpose}). */
    APPLY;

    /** The system property choosing the mode ({@code ignore} or {@code apply}). */
    public static final String PROPERTY = "vae4j.image.exifOrientation";

    /**
     * The mode in effect: from {@value #PROPERTY}, else {@link #IGNORE}.
     *
     * @throws IllegalArgumentException if the property is neither {@code ignore} nor {@code apply}
     */
    public static ExifOrientation current() {
        String value = System.getProperty(PROPERTY);
        return value == null || value.isBlank() ? IGNORE : parse(value);
    }

    /**
     * The mode named {@code ignore} or {@code apply} (any case).
     *
     * @throws IllegalArgumentException naming the value and the choices
     */
    public static ExifOrientation parse(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "ignore" -> IGNORE;
            case "apply" -> APPLY;
            default ->
                throw new IllegalArgumentException("EXIF orientation must be 'ignore' or 'apply', got '" + value + "'");
        };
    }

    /** Makes {@code mode} the process-wide mode (sets {@value #PROPERTY}). */
    public static void use(ExifOrientation mode) {
        System.setProperty(PROPERTY, mode.name().toLowerCase(Locale.ROOT));
    }
}
