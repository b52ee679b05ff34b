/**
 * The latent cache: images encoded once into safetensors shards with an index ({@code vae encode --output DIR/}), and
 * {@link dev.vae4j.train.cache.LatentDataset}, which reads them back in batches.
 */
package dev.vae4j.train.cache;
