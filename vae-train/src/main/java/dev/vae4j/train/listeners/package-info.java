/**
 * Training listeners: the metrics log ({@code metrics.jsonl}), sample grids, reconstructions of fixed images and
 * held-out validation.
 */
package dev.vae4j.train.listeners;
