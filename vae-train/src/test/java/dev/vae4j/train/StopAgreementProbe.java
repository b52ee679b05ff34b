package dev.vae4j.train;

import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.DistributedContext;
import dev.vae4j.train.dist.ProcessGroupCollectives;
import java.time.Duration;
import java.util.Locale;

/**
 * A worker for {@link StopRequestTest}: joins the job from the environment and calls {@link StopRequest#agreed} once
 * per iteration, as the training loop does once per step; only rank 1 makes its request, at iteration
 * {@value #REQUESTED_AT}. Prints {@code RESULT stopped at N} and the mean time of one agreement over the iterations
 * before it.
 */
public final class StopAgreementProbe {
    static final int REQUESTED_AT = 1500;
    private static final int WARM_UP = 100;

    private StopAgreementProbe() {}

    public static void main(String[] args) {
        DistributedContext context =
                DistributedContext.fromEnvironment(System.getenv(), "cpu", null, Duration.ofSeconds(60));
        StopRequest stop = new StopRequest();
        try (Collectives collectives = ProcessGroupCollectives.connect(context)) {
            long started = 0;
            for (int i = 0; ; i++) {
                if (i == WARM_UP) {
                    started = System.nanoTime();
                }
                if (context.rank() == 1 && i == REQUESTED_AT) {
                    stop.request("test");
                }
                if (stop.agreed(collectives)) {
                    double micros = (System.nanoTime() - started) / 1e3 / (i - WARM_UP);
                    System.out.printf(Locale.ROOT, "RESULT stopped at %d%n", i);
                    System.out.printf(Locale.ROOT, "RESULT agreement %.1f us%n", micros);
                    return;
                }
            }
        }
    }
}
