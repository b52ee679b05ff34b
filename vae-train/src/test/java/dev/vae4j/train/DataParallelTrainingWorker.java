package dev.vae4j.train;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.tensor.Precision;
import dev.vae4j.train.data.SyntheticImages;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.DataParallel;
import dev.vae4j.train.dist.DistributedContext;
import dev.vae4j.train.dist.ProcessGroupCollectives;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.bytedeco.pytorch.Scalar;

/**
 * A training worker for {@link DataParallelTrainingTest}, one rank of a job described by the environment (or a single
 * process without it). Arguments: output folder, per-rank batch size, steps, gradient accumulation, and optionally a
 * step whose generator loss the last rank makes infinite (its gradients stay finite), so only that rank sees the
 * non-finite value. Rank r seeds its fresh weights with 7 + r, so only the start-up broadcast can make the ranks agree.
 * Rank 0 writes {@code autoencoder.safetensors}, {@code discriminator.safetensors} and {@code ema.safetensors} to the
 * output folder; every rank prints {@code STEP n} after each step and {@code SKIPPED n} after a skipped one.
 */
public final class DataParallelTrainingWorker {
    private DataParallelTrainingWorker() {}

    public static void main(String[] args) {
        Path out = Path.of(args[0]);
        int batch = Integer.parseInt(args[1]);
        long steps = Long.parseLong(args[2]);
        int accumulation = Integer.parseInt(args[3]);
        long poisonedStep = args.length > 4 ? Long.parseLong(args[4]) : 0;
        DistributedContext context =
                DistributedContext.fromEnvironment(System.getenv(), "cpu", null, Duration.ofSeconds(20));
        try (Collectives collectives =
                context.distributed() ? ProcessGroupCollectives.connect(context) : Collectives.single()) {
            org.bytedeco.pytorch.global.torch.manual_seed(7 + context.rank());
            AutoencoderKL model = new AutoencoderKL(TrainerTest.modelConfig());
            TestObjectives.PatchConv discriminator = new TestObjectives.PatchConv();
            TrainConfig base = TrainerTest.config(steps, 0, 0);
            TrainConfig config = base.toBuilder()
                    .steps(steps)
                    .batchSize(batch)
                    .gradAccumulation(accumulation)
                    .decoderOnly(false)
                    .precision(Precision.FP32)
                    .ganUpdates(TrainConfig.GanUpdates.BOTH)
                    .discStart(0)
                    .checkpoints(0, 2)
                    .device("cpu")
                    .fixedVariance(0.0)
                    .logEvery(1)
                    .cudnnBenchmark(false)
                    .build();
            // 4 KiB buckets: the tiny model's gradients travel in many buckets, as a real model's do.
            DataParallel parallel = new DataParallel(collectives, 4096, false);
            GeneratorObjective mseKl = new TestObjectives.MseKl(0);
            boolean lastRank = context.rank() == context.worldSize() - 1;
            GeneratorObjective objective = (inputs, reconstructions, posterior, disc, step, lastLayer) -> {
                LossTerms loss = mseKl.generatorLoss(inputs, reconstructions, posterior, disc, step, lastLayer);
                return lastRank && step + 1 == poisonedStep
                        ? new LossTerms(loss.total().add(new Scalar(Double.POSITIVE_INFINITY)), loss.terms())
                        : loss;
            };
            Trainer trainer = Trainer.builder(model, objective, config, out.resolve("run"))
                    .adversary(discriminator, new TestObjectives.Hinge())
                    .parallel(parallel)
                    .build();
            trainer.train(new SyntheticImages(24, 16, 1, true), List.of(new TrainingListener() {
                @Override
                public void onLog(TrainingRun run, IntervalReport report) {
                    System.out.println("STEP " + report.lastStep() + " " + report.terms());
                }

                @Override
                public void onStep(TrainingRun run, StepReport report) {
                    if (report.skipped()) {
                        System.out.println("SKIPPED " + report.step());
                    }
                }
            }));
            if (context.writer()) {
                StateDict.save(model, out.resolve("autoencoder.safetensors"));
                StateDict.save(discriminator, out.resolve("discriminator.safetensors"));
                trainer.ema().copyTo(model);
                StateDict.save(model, out.resolve("ema.safetensors"));
            }
        }
    }
}
