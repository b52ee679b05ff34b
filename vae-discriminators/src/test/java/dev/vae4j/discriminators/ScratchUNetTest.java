package dev.vae4j.discriminators;

import org.junit.jupiter.api.Test;

class ScratchUNetTest {
    @Test
    void sweep() {
        for (int ch : new int[] {4, 8}) {
            for (double lr : new double[] {2e-4, 1e-3}) {
                UNetGanDiscriminator d = new UNetGanDiscriminator(new UNetGanConfig(3, ch, 1e-12), 3);
                long t = System.nanoTime();
                double acc = DiscriminatorTraining.trainAndMeasure(d, 3, 64, 4, 50, lr, 5);
                System.out.printf("SWEEP ch %d lr %.0e acc %.3f (%.1f s)%n", ch, lr, acc, (System.nanoTime() - t) / 1e9);
            }
        }
    }
}
