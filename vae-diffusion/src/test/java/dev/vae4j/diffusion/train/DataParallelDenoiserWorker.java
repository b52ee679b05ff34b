package dev.vae4j.diffusion.train;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.diffusion.dit.DiT;
import dev.vae4j.train.IntervalReport;
import dev.vae4j.train.OptimizerSettings;
import dev.vae4j.train.TrainConfig;
import dev.vae4j.train.TrainingListener;
import dev.vae4j.train.TrainingRun;
import dev.vae4j.train.dist.Collectives;
import dev.vae4j.train.dist.DataParallel;
import dev.vae4j.train.dist.DistributedContext;
import dev.vae4j.train.dist.ProcessGroupCollectives;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One rank of a stage-2 data-parallel job for {@link DataParallelDenoiserTest} (a single process without the
 * torchrun-style environment). Arguments: output folder, per-rank batch size, steps, gradient accumulation. Rank r
 * builds its DiT with seed 3 + r, so only the start-up broadcast makes the ranks agree; rank 0 writes
 * {@code denoiser.safetensors} and {@code ema.safetensors} to the output folder; every rank prints {@code STEP n loss}.
 */
public final class DataParallelDenoiserWorker {
    private DataParallelDenoiserWorker() {}

    public static void main(String[] args) {
        Path out = Path.of(args[0]);
        int batch = Integer.parseInt(args[1]);
        long steps = Long.parseLong(args[2]);
        int accumulation = Integer.parseInt(args[3]);
        DistributedContext context =
                DistributedContext.fromEnvironment(System.getenv(), "cpu", null, Duration.ofSeconds(20));
        try (Collectives collectives =
                context.distributed() ? ProcessGroupCollectives.connect(context) : Collectives.single()) {
            DiT model = DenoiserTrainerTest.dit(3 + context.rank());
            // eps 1e-3: Adam does not turn the rounding noise of near-zero gradients (attention key biases) into steps
            TrainConfig config = DenoiserTrainerTest.config(steps, batch, 0).toBuilder()
                    .generator(new OptimizerSettings(OptimizerSettings.Algorithm.ADAMW, 1e-3, 0.9, 0.999, 1e-3, 0.01))
                    .gradAccumulation(accumulation)
                    .build();
            DenoiserTrainer trainer = DenoiserTrainer.builder(
                            model, DenoiserTrainerTest.ddpm(), config, out.resolve("run"))
                    .classDropout(0.25)
                    .parallel(new DataParallel(collectives, 4096, false))
                    .build();
            trainer.train(FixedLatents.random(24, 4, 8, 3, 1), List.of(new TrainingListener() {
                @Override
                public void onLog(TrainingRun run, IntervalReport report) {
                    System.out.println("STEP " + report.lastStep() + " " + report.terms());
                }
            }));
            if (context.writer()) {
                StateDict.save(model, out.resolve("denoiser.safetensors"));
                trainer.ema().copyTo(model);
                StateDict.save(model, out.resolve("ema.safetensors"));
            }
        }
    }
}
