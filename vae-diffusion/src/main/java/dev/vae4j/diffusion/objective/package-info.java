/**
 * Stage-2 training objectives: the discrete-time diffusion loss (epsilon, v or sample prediction, optional min-SNR
 * weighting) and rectified flow, with their prediction targets, conversions, regression losses and timestep densities.
 */
package dev.vae4j.diffusion.objective;
