package dev.vae4j.train.dist;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A rank whose MASTER_ADDR:MASTER_PORT is not a rendezvous store fails within --dist-timeout, naming the address. */
class RendezvousTimeoutTest {
    @Test
    void aSilentServerAtTheMasterAddressFailsTheJoinInTime() throws IOException {
        List<Socket> held = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // accepts and never answers
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            DistributedContext rank1 = new DistributedContext(
                    1,
                    2,
                    0,
                    "127.0.0.1",
                    silent.getLocalPort(),
                    DistributedContext.Backend.GLOO,
                    Duration.ofSeconds(2));
            long t0 = System.nanoTime();
            DistributedException e =
                    assertThrows(DistributedException.class, () -> ProcessGroupCollectives.connect(rank1));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(e.getMessage().contains("127.0.0.1:" + silent.getLocalPort()), e.getMessage());
            assertTrue(e.getMessage().contains("rank 1/2"), e.getMessage());
            assertTrue(seconds < 30, "took " + seconds + " s");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
