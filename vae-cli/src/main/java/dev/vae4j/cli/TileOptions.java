package dev.vae4j.cli;

import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.TiledCodec;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code --tile PX[,OVERLAP]} option of the commands that encode or decode images: the model runs on square tiles
 * of PX pixels overlapping by the fraction OVERLAP (default 0.25) and blended like diffusers' {@code enable_tiling}
 * ({@link TiledCodec}), so large images run in bounded memory.
 */
public final class TileOptions {
    @Spec(Spec.Target.MIXEE)
    private CommandSpec mixee;

    private Integer size;
    private double overlap = 0.25;

    /** Parses {@code PX} or {@code PX,OVERLAP}. */
    @Option(
            names = "--tile",
            paramLabel = "PX[,OVERLAP]",
            description = "Run the model on PX-pixel tiles overlapping by OVERLAP (a fraction in [0, 1), default "
                    + "0.25), blended like diffusers' enable_tiling: large images in bounded memory (default: whole "
                    + "images).")
    public void setTile(String value) {
        String[] parts = value.split(",", -1);
        try {
            size = Integer.parseInt(parts[0].strip());
            overlap = parts.length > 1 ? Double.parseDouble(parts[1].strip()) : 0.25;
        } catch (NumberFormatException e) {
            throw new ParameterException(mixee.commandLine(), "--tile must be PX or PX,OVERLAP, got '" + value + "'");
        }
        if (parts.length > 2 || size <= 0 || !(overlap >= 0 && overlap < 1)) {
            throw new ParameterException(
                    mixee.commandLine(),
                    "--tile must be PX or PX,OVERLAP with PX > 0 and " + "OVERLAP in [0, 1), got '" + value + "'");
        }
    }

    /**
     * {@code model} itself without {@code --tile}, else a {@link TiledCodec} over it.
     *
     * @throws IllegalArgumentException if the tile side or the tile stride (PX x (1 - OVERLAP)) is not a multiple of
     *     the model's downsampling factor
     */
    public Autoencoder apply(Autoencoder model) {
        if (size == null) {
            return model;
        }
        int factor = model.downsamplingFactor();
        int stride = (int) (size * (1 - overlap));
        if (size % factor != 0 || stride % factor != 0) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "--tile %d,%s: the tile (%d px) and its "
                            + "stride (%d px) must be multiples of the model's downsampling factor %d",
                    size,
                    overlap,
                    size,
                    stride,
                    factor));
        }
        return new TiledCodec(model, size, overlap);
    }
}
