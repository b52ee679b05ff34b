package dev.vae4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.testing.TestJvm;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.WorkerLauncher;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link StopRequest}: the first reason wins; alone, the agreement is the local request; between two Gloo processes, a
 * request made on rank 1 only stops both ranks at the same iteration (and the cost of one agreement is printed).
 */
class StopRequestTest {
    @Test
    void theFirstReasonIsKept() {
        StopRequest stop = new StopRequest();
        assertFalse(stop.requested());
        assertNull(stop.reason());
        assertFalse(stop.agreed(Collectives.single()));
        assertTrue(stop.request("SIGTERM"));
        assertFalse(stop.request("SIGINT"));
        assertTrue(stop.requested());
        assertEquals("SIGTERM", stop.reason());
        assertTrue(stop.agreed(Collectives.single()));
        IllegalArgumentException blank = assertThrows(IllegalArgumentException.class, () -> stop.request(" "));
        assertTrue(blank.getMessage().contains("needs a reason"), blank.getMessage());
    }

    @Test
    void aRequestOnOneRankStopsEveryRankAtTheSameIteration() throws InterruptedException {
        StringBuffer output = new StringBuffer();
        WorkerLauncher launcher = new WorkerLauncher(2, 1, 0, "127.0.0.1", TestJvm.freePort());
        int exit = launcher.start(
                        WorkerLauncher.javaCommand(StopAgreementProbe.class.getName(), List.of()),
                        Map.of(),
                        line -> output.append(line).append('\n'))
                .await();
        assertEquals(0, exit, output.toString());
        for (int rank = 0; rank < 2; rank++) {
            assertTrue(
                    output.toString()
                            .contains("[rank " + rank + "] RESULT stopped at " + StopAgreementProbe.REQUESTED_AT),
                    output.toString());
        }
        output.toString().lines().filter(line -> line.contains("agreement")).forEach(System.out::println);
    }
}
