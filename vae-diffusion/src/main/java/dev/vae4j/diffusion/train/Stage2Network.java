package dev.vae4j.diffusion.train;

import dev.vae4j.diffusion.Denoiser;
import dev.vae4j.diffusion.dit.DiT;
import dev.vae4j.diffusion.unet.LatentUNet;
import org.bytedeco.pytorch.Module;

/**
 * The denoiser a {@link Stage2Recipe} builds for a {@link LatentSource}, as {@link Stage2Session} builds it: its
 * channels and square size from the source's latents (C, s, s), its classes from the source's class names or labels (a
 * DiT has at least one). A copy with the same parameter names as the trained one, so its weights (the EMA's) load into
 * it.
 *
 * @param module the network as a module (its weights)
 * @param denoiser the same network as a denoiser
 */
public record Stage2Network(Module module, Denoiser denoiser) {

    /**
     * A fresh, randomly initialised denoiser of {@code recipe} for the latents of {@code source}.
     *
     * @throws IllegalArgumentException if the source's latents are not square
     */
    public static Stage2Network create(Stage2Recipe recipe, LatentSource source) {
        return create(recipe, source.latentShape(), Stage2Session.classCount(source));
    }

    /**
     * A fresh, randomly initialised denoiser of {@code recipe} for latents of shape (C, s, s) and {@code classes}
     * classes (0: unconditional).
     *
     * @throws IllegalArgumentException if the latents are not square
     */
    public static Stage2Network create(Stage2Recipe recipe, long[] shape, int classes) {
        if (shape[1] != shape[2]) {
            throw new IllegalArgumentException(
                    "stage-2 denoisers take square latents; the cache's are " + shape[1] + "x" + shape[2]);
        }
        int channels = (int) shape[0];
        int size = (int) shape[1];
        if (recipe.denoiser().dit() != null) {
            DiT dit = new DiT(recipe.denoiser().dit().config(channels, size, Math.max(1, classes)));
            return new Stage2Network(dit, dit);
        }
        LatentUNet unet = new LatentUNet(recipe.denoiser().latentUnet().config(channels, size, classes));
        return new Stage2Network(unet, unet);
    }
}
