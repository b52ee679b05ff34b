package dev.vae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The node's worker limit is the smaller of its processors and its memory at 256 MiB a worker. */
class WorkerCapacityTest {
    @Test
    void processorsLimitAWellFurnishedNode() {
        WorkerCapacity node = new WorkerCapacity(8, 64L << 30);
        assertEquals(8, node.maxWorkers());
        assertTrue(node.refusal(8).isEmpty());
        String message = node.refusal(9).orElseThrow();
        assertTrue(message.contains("--nproc-per-node 9 workers on a node with 8 processor(s): give 1 to 8"), message);
    }

    @Test
    void memoryLimitsANodeOfManyCoresAndLittleMemory() {
        WorkerCapacity node = new WorkerCapacity(64, 1L << 30);
        assertEquals(4, node.maxWorkers());
        String message = node.refusal(5).orElseThrow();
        assertTrue(message.contains("1.0 GiB of memory (at least 256 MiB per worker): give 1 to 4"), message);
        assertTrue(message.endsWith("or --force"), message);
    }
}
