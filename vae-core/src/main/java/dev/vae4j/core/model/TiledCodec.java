package dev.vae4j.core.model;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.tensor;

import dev.vae4j.core.tensor.Shapes;
import dev.vae4j.core.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Tiled encoding and decoding with diffusers' {@code enable_tiling} semantics, so large images run in bounded memory:
 * square tiles of {@code tileSampleSize} pixels ({@code tileSampleSize / f} latent pixels) overlapping by
 * {@code overlapFactor} (0.25 in diffusers), each encoded or decoded on its own, then blended with linear ramps along
 * the overlaps (in place, left-to-right and top-to-bottom exactly like diffusers' {@code blend_v/blend_h}) and cropped.
 * Inputs no larger than one tile go through the model untiled, as in diffusers. Works with any {@link Autoencoder}:
 * encoding blends its {@link Autoencoder#moments moments}, decoding its images. It is itself an {@link Autoencoder}, so
 * it can stand in for the model wherever one is expected. Images are (N, C, H, W) with H, W multiples of f; latents (N,
 * L, h, w).
 */
public final class TiledCodec extends ForwardingAutoencoder {
    private final int tileSampleSize;
    private final int tileLatentSize;
    private final double overlapFactor;

    /**
     * @param model the autoencoder
     * @param tileSampleSize tile side in pixels (diffusers: {@code config.sample_size}); a multiple of f
     * @param overlapFactor fraction of a tile shared with its neighbour, in [0, 1)
     */
    public TiledCodec(Autoencoder model, int tileSampleSize, double overlapFactor) {
        super(model);
        int factor = model.downsamplingFactor();
        if (tileSampleSize <= 0 || tileSampleSize % factor != 0) {
            throw new IllegalArgumentException("tile size " + tileSampleSize + " must be a positive multiple of the "
                    + "downsampling factor " + factor);
        }
        if (!(overlapFactor >= 0 && overlapFactor < 1)) {
            throw new IllegalArgumentException("tile overlap factor must be in [0, 1), got " + overlapFactor);
        }
        this.tileSampleSize = tileSampleSize;
        this.tileLatentSize = tileSampleSize / factor;
        this.overlapFactor = overlapFactor;
    }

    /** diffusers' defaults: tiles of {@code config.sample_size} pixels, 25% overlap. */
    public static TiledCodec withDefaults(AutoencoderKL model) {
        return new TiledCodec(model, model.config().sampleSize(), 0.25);
    }

    /** Encodes images (N, C, H, W), tiling when H or W exceeds the tile size. */
    @Override
    public LatentDistribution encode(Tensor images) {
        Shapes.requireNchw(images, "images", model.imageChannels(), model.downsamplingFactor());
        if (images.size(2) <= tileSampleSize && images.size(3) <= tileSampleSize) {
            return model.encode(images);
        }
        int stride = (int) (tileSampleSize * (1 - overlapFactor));
        int blend = (int) (tileLatentSize * overlapFactor);
        List<List<Tensor>> tiles = new ArrayList<>();
        for (long i = 0; i < images.size(2); i += stride) {
            List<Tensor> row = new ArrayList<>();
            for (long j = 0; j < images.size(3); j += stride) {
                Tensor tile = crop(images, i, j, tileSampleSize);
                try (TensorScope scope = new TensorScope()) {
                    row.add(scope.keep(model.moments(tile)));
                }
            }
            tiles.add(row);
        }
        return model.posterior(blendAndJoin(tiles, blend, tileLatentSize - blend));
    }

    /** Decodes raw latents (N, L, h, w), tiling when h or w exceeds the latent tile size. */
    @Override
    public Tensor decode(Tensor latents) {
        Shapes.requireNchw(latents, "latents", model.latentChannels(), 1);
        if (latents.size(2) <= tileLatentSize && latents.size(3) <= tileLatentSize) {
            return model.decode(latents);
        }
        int stride = (int) (tileLatentSize * (1 - overlapFactor));
        int blend = (int) (tileSampleSize * overlapFactor);
        List<List<Tensor>> tiles = new ArrayList<>();
        for (long i = 0; i < latents.size(2); i += stride) {
            List<Tensor> row = new ArrayList<>();
            for (long j = 0; j < latents.size(3); j += stride) {
                Tensor tile = crop(latents, i, j, tileLatentSize);
                try (TensorScope scope = new TensorScope()) {
                    row.add(scope.keep(model.decode(tile)));
                }
            }
            tiles.add(row);
        }
        return blendAndJoin(tiles, blend, tileSampleSize - blend);
    }

    /** The tile side in pixels. */
    public int tileSampleSize() {
        return tileSampleSize;
    }

    private static Tensor crop(Tensor x, long top, long left, long size) {
        return x.narrow(2, top, Math.min(size, x.size(2) - top)).narrow(3, left, Math.min(size, x.size(3) - left));
    }

    /** Blends each tile with its upper and left neighbours (in place), crops to {@code keep} and concatenates. */
    private static Tensor blendAndJoin(List<List<Tensor>> tiles, int blend, int keep) {
        TensorVector rows = new TensorVector();
        for (int i = 0; i < tiles.size(); i++) {
            TensorVector row = new TensorVector();
            for (int j = 0; j < tiles.get(i).size(); j++) {
                Tensor tile = tiles.get(i).get(j);
                if (i > 0) {
                    blend(tiles.get(i - 1).get(j), tile, blend, 2);
                }
                if (j > 0) {
                    blend(tiles.get(i).get(j - 1), tile, blend, 3);
                }
                row.push_back(crop(tile, 0, 0, keep));
            }
            rows.push_back(cat(row, 3));
        }
        return cat(rows, 2);
    }

    /**
     * diffusers {@code blend_v} (dim 2) / {@code blend_h} (dim 3): the first e rows/columns of {@code next} become
     * {@code prev[-e + y] * (1 - y/e) + next[y] * (y/e)}, e = min(extent, both sizes), written into {@code next}.
     */
    private static void blend(Tensor prev, Tensor next, int extent, int dim) {
        int e = (int) Math.min(extent, Math.min(prev.size(dim), next.size(dim)));
        if (e == 0) {
            return;
        }
        float[] rising = new float[e];
        float[] falling = new float[e];
        for (int y = 0; y < e; y++) {
            rising[y] = (float) (y / (double) e);
            falling[y] = (float) (1 - y / (double) e);
        }
        long[] shape = dim == 2 ? new long[] {1, 1, e, 1} : new long[] {1, 1, 1, e};
        try (TensorScope scope = new TensorScope()) {
            Tensor up = tensor(rising).to(next.device(), next.scalar_type()).view(shape);
            Tensor down = tensor(falling).to(next.device(), next.scalar_type()).view(shape);
            Tensor head = next.narrow(dim, 0, e);
            head.copy_(prev.narrow(dim, prev.size(dim) - e, e).mul(down).add(head.mul(up)));
        }
    }
}
