package dev.vae4j.discriminators;

import static org.bytedeco.pytorch.global.torch.avg_pool2d;
import static org.bytedeco.pytorch.global.torch.relu;
import static org.bytedeco.pytorch.global.torch.upsample_nearest2d;

import dev.vae4j.core.model.Discriminator;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.train.OptimizerSettings;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The short training probe of the issue: hinge loss on real (blocky noise, sharp edges) vs blurred (3x3 box blur of the
 * same kind of image) tiny batches, then the accuracy of the sign of each image's mean logit on fresh batches, in
 * training mode. A frozen, zero or broken discriminator stays at or below 0.5.
 */
final class DiscriminatorTraining {
    private DiscriminatorTraining() {}

    /** Real images (n, c, size, size) in [-1, 1]: uniform noise at half resolution, nearest-upsampled. */
    static Tensor real(long n, long channels, long size, Generator g) {
        Tensor half = torch.empty(n, channels, size / 2, size / 2).uniform_(-1.0, 1.0, new GeneratorOptional(g));
        return upsample_nearest2d(half, size, size);
    }

    /** The fake counterpart: a 3x3 box blur (stride 1, zero-free count) of a real image. */
    static Tensor blurred(Tensor real) {
        return avg_pool2d(
                real,
                new long[] {3, 3},
                new long[] {1, 1},
                new long[] {1, 1},
                false,
                false,
                new org.bytedeco.pytorch.LongOptional());
    }

    /**
     * Hinge D loss over every head, real and fake in one concatenated forward (so BatchNorm sees both, as with
     * SyncBN-style single-pass training): sum over heads of mean(relu(1 - D(real))) + mean(relu(1 + D(fake))).
     */
    static Tensor hinge(Discriminator d, Tensor real, Tensor fake) {
        long n = real.size(0);
        Tensor loss = null;
        for (Tensor head : d.heads(torch.cat(new org.bytedeco.pytorch.TensorVector(real, fake), 0))) {
            Tensor term = relu(head.narrow(0, 0, n).neg().add(new Scalar(1.0)))
                    .mean()
                    .add(relu(head.narrow(0, n, n).add(new Scalar(1.0))).mean());
            loss = loss == null ? term : loss.add(term);
        }
        return loss;
    }

    /**
     * Trains {@code d} for {@code steps} Adam steps (learning rate {@code lr}, betas 0.5/0.9) and returns its accuracy
     * on 4 fresh batches: the fraction of real images with mean logit > 0 and blurred ones with mean logit < 0.
     * Accuracy is measured in training mode, as the GAN loop sees the discriminator, on concatenated real + fake
     * batches.
     */
    static double trainAndMeasure(
            Discriminator d, long channels, long size, long batch, int steps, double lr, long seed) {
        return train(d, channels, size, batch, steps, lr, seed)[0];
    }

    /**
     * Like {@link #trainAndMeasure} but returns {sign accuracy, ranking accuracy}: the second is the fraction of (real
     * i, blurred i) pairs with score(real) > score(blurred), which needs no bias (ties, e.g. an all-zero head, count as
     * wrong).
     */
    static double[] train(Discriminator d, long channels, long size, long batch, int steps, double lr, long seed) {
        torch.set_num_threads(1); // tiny ops: one thread avoids OpenMP oversubscription on a busy 2-core machine
        Generator g = torch.createCPUGenerator(seed);
        AdamOptions options = new AdamOptions(lr);
        OptimizerSettings.setBetas(options.betas(), 0.5, 0.9);
        Adam adam = new Adam(d.module().parameters(), options);
        d.module().train(true);
        for (int step = 0; step < steps; step++) {
            try (TensorScope scope = new TensorScope()) {
                adam.zero_grad();
                Tensor real = real(batch, channels, size, g);
                Tensor loss = hinge(d, real, blurred(real(batch, channels, size, g)));
                loss.backward();
                adam.step();
            }
        }
        long correct = 0;
        long ranked = 0;
        long total = 0;
        try (TensorScope scope = new TensorScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            for (int b = 0; b < 4; b++) {
                Tensor both = torch.cat(
                        new org.bytedeco.pytorch.TensorVector(
                                real(batch, channels, size, g), blurred(real(batch, channels, size, g))),
                        0);
                Tensor score = perImage(d.logits(both));
                Tensor realScore = score.narrow(0, 0, batch);
                Tensor fakeScore = score.narrow(0, batch, batch);
                correct += realScore.gt(new Scalar(0.0)).sum().item_long()
                        + fakeScore.lt(new Scalar(0.0)).sum().item_long();
                ranked += realScore.gt(fakeScore).sum().item_long();
                total += 2 * batch;
            }
        }
        return new double[] {(double) correct / total, 2.0 * ranked / total};
    }

    private static Tensor perImage(Tensor logits) {
        return logits.reshape(logits.size(0), -1)
                .mean(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
    }
}
