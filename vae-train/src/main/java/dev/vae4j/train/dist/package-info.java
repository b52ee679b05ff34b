/**
 * The thin DDP helper: process groups from torchrun-style variables (Gloo, NCCL), collectives, gradient all-reduce in
 * buckets, parameter broadcast, and the launcher that starts N worker processes.
 */
package dev.vae4j.train.dist;
