package dev.vae4j.core.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Parses the enums of configuration records from their recipe and command-line spellings ({@code bf16},
 * {@code sum_over_batch}, {@code vae-gan}): case-insensitive, and an unknown spelling is an error that lists the valid
 * ones, e.g. {@code "precision: unknown value 'fp8' (one of fp32, bf16)"}. Each enum prints back to the same spelling,
 * so a configuration written to a run folder reads back unchanged.
 */
public final class ConfigEnums {
    private ConfigEnums() {}

    /**
     * The constant of {@code type} whose {@code spelling} equals {@code text}, ignoring case and surrounding blanks.
     *
     * @param what the key or option being parsed, for the message
     * @throws IllegalArgumentException naming {@code what}, {@code text} and the valid spellings
     */
    public static <E extends Enum<E>> E parse(Class<E> type, String text, Function<E, String> spelling, String what) {
        if (text != null) {
            String wanted = text.strip();
            for (E constant : type.getEnumConstants()) {
                if (spelling.apply(constant).equalsIgnoreCase(wanted)) {
                    return constant;
                }
            }
        }
        throw new IllegalArgumentException(
                what + ": unknown value '" + text + "' (one of " + spellings(type, spelling) + ")");
    }

    /** {@link #parse} with the lower-cased constant name as the spelling ({@code SUM_OVER_BATCH}: sum_over_batch). */
    public static <E extends Enum<E>> E parse(Class<E> type, String text, String what) {
        return parse(type, text, ConfigEnums::lowerCase, what);
    }

    /** The lower-cased name of {@code constant}, the default spelling. */
    public static String lowerCase(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    /** The valid spellings of {@code type}, comma-separated, in declaration order. */
    public static <E extends Enum<E>> String spellings(Class<E> type, Function<E, String> spelling) {
        return Arrays.stream(type.getEnumConstants()).map(spelling).collect(Collectors.joining(", "));
    }
}
