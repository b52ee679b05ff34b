/**
 * The vae4j base type of every failure ({@link dev.vae4j.core.Vae4jException}); the subpackages run latent
 * autoencoders: tensors and native-memory scopes, building blocks, models, weights and images I/O.
 */
package dev.vae4j.core;
