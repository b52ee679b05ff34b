/**
 * diffusers pipeline folders: {@link dev.vae4j.diffusion.pipeline.DiTPipeline} (transformer, VAE and scheduler of a
 * {@code DiTPipeline}) and {@link dev.vae4j.diffusion.pipeline.SchedulerConfig} (a scheduler_config.json read into a
 * vae4j sampler).
 */
package dev.vae4j.diffusion.pipeline;
