package dev.vae4j.train.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.testing.TestJvm;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two JVMs on Gloo over a local TCPStore, started by {@link WorkerLauncher}. */
class ProcessGroupCollectivesTest {

    private static String run(String mode, int timeoutSeconds, int[] exit) throws InterruptedException {
        StringBuffer output = new StringBuffer();
        WorkerLauncher launcher = new WorkerLauncher(2, 1, 0, "127.0.0.1", TestJvm.freePort());
        List<String> command = WorkerLauncher.javaCommand(
                CollectivesProbe.class.getName(), List.of(mode, Integer.toString(timeoutSeconds)));
        exit[0] = launcher.start(command, Map.of(), line -> output.append(line).append('\n'))
                .await();
        return output.toString();
    }

    @Test
    void collectivesAgreeAcrossTwoProcesses() throws InterruptedException {
        int[] exit = new int[1];
        String output = run("normal", 60, exit);
        assertEquals(0, exit[0], output);
        for (int rank = 0; rank < 2; rank++) {
            String p = "[rank " + rank + "] RESULT ";
            // all-reduce: (1 + 2) * 3 elements and (10 + 20) * 4 elements
            assertTrue(output.contains(p + "allreduce 9.0 120.0"), output);
            assertTrue(output.contains(p + "broadcast 10.0"), output);
            assertTrue(output.contains(p + "gather [4, 1] [0.0, 1.0, 2.0, 3.0]"), output);
            assertTrue(output.contains(p + "barrier"), output);
        }
    }

    @Test
    void aHungPeerFailsTheCollectiveWithinTheTimeout() throws InterruptedException {
        int[] exit = new int[1];
        long started = System.nanoTime();
        String output = run("hang", 4, exit);
        double seconds = (System.nanoTime() - started) / 1e9;
        assertEquals(3, exit[0], output);
        assertTrue(output.contains("[rank 0] RESULT failed after"), output);
        assertTrue(output.contains("rank 0/2: all-reduce"), output);
        assertTrue(seconds < 40, "took " + seconds + " s:\n" + output);
    }

    @Test
    void buffersStayPerRankUnlessBroadcastIsChosen() throws InterruptedException {
        int[] exit = new int[1];
        String output = run("buffers", 60, exit);
        assertEquals(0, exit[0], output);
        assertTrue(output.contains("[rank 1] RESULT kept 4.0"), output);
        assertTrue(output.contains("[rank 1] RESULT broadcast 2.0"), output);
        assertTrue(output.contains("[rank 0] RESULT broadcast 2.0"), output);
    }

    @Test
    void contextReadsTorchrunVariables() {
        DistributedContext c = DistributedContext.fromEnvironment(
                Map.of(
                        "RANK",
                        "3",
                        "WORLD_SIZE",
                        "4",
                        "LOCAL_RANK",
                        "1",
                        "MASTER_ADDR",
                        "node0",
                        "MASTER_PORT",
                        "29500"),
                "cpu",
                null,
                DistributedContext.DEFAULT_TIMEOUT);
        assertEquals(
                List.of(3, 4, 1, "node0", 29500, DistributedContext.Backend.GLOO),
                List.of(c.rank(), c.worldSize(), c.localRank(), c.masterAddr(), c.masterPort(), c.backend()));
        assertEquals(
                DistributedContext.Backend.NCCL,
                DistributedContext.fromEnvironment(Map.of(), "cuda", null, DistributedContext.DEFAULT_TIMEOUT)
                        .backend());
        assertEquals(
                1,
                DistributedContext.fromEnvironment(Map.of(), "cpu", null, DistributedContext.DEFAULT_TIMEOUT)
                        .worldSize());
    }
}
