/**
 * The benchmark harness behind {@code vae bench} and {@code tools/bench/compare.sh}: named workloads, each timed in a
 * child JVM with its peak memory, reported against a baseline measured in the same run.
 */
package dev.vae4j.cli.bench;
