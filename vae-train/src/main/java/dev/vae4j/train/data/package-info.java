/**
 * Image datasets for training and evaluation (folders, WebDataset tar shards, the built-in synthetic images), resizing,
 * cropping and augmentation, aspect buckets, batching and sharded sampling over ranks.
 */
package dev.vae4j.train.data;
