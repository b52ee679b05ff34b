/**
 * Stage-2 training: {@link dev.vae4j.diffusion.train.DenoiserTrainer} trains a denoiser with a training objective on
 * vae-train's shared {@link dev.vae4j.train.TrainingLoop}, on latents from a cache
 * ({@link dev.vae4j.diffusion.train.CachedLatents}) or encoded on the fly
 * ({@link dev.vae4j.diffusion.train.EncodedImages}); {@link dev.vae4j.diffusion.train.Stage2Recipe} and
 * {@link dev.vae4j.diffusion.train.Stage2Session} run a YAML recipe on a latent cache.
 */
package dev.vae4j.diffusion.train;
