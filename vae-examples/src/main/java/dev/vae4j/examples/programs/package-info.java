/**
 * Example programs: short {@code main} classes that use only vae4j's public API, each a starting point for a program of
 * your own. The README lists one command per program; {@code ExampleProgramsTest} runs each on tiny inputs.
 *
 * <ul>
 *   <li>{@link dev.vae4j.examples.programs.ReconstructFolder}: a folder through an autoencoder with tiling
 *   <li>{@link dev.vae4j.examples.programs.FineTuneDecoder}: decoder-only fine-tuning with a composed loss
 *   <li>{@link dev.vae4j.examples.programs.TrainLiteVae}: a small LiteVAE with wavelet losses
 *   <li>{@link dev.vae4j.examples.programs.EvaluateModel}: PSNR/SSIM (and LPIPS) of a model on a folder
 *   <li>{@link dev.vae4j.examples.programs.CacheLatents}: a latent cache of a folder, written and read back
 *   <li>{@link dev.vae4j.examples.programs.CustomListener}: a training listener that writes a CSV of losses
 *   <li>{@link dev.vae4j.examples.programs.SampleStage2Run}: class-conditional images from a stage-2 run folder
 * </ul>
 */
package dev.vae4j.examples.programs;
