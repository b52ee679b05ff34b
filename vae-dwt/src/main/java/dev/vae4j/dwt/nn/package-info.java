/**
 * LiteVAE's building blocks: the feature-extraction UNets of open-LiteVAE and of the paper, and the SMC (self-modulated
 * convolution) layers of its decoder.
 */
package dev.vae4j.dwt.nn;
