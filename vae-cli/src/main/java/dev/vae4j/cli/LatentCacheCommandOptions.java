package dev.vae4j.cli;

import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.core.model.ModelFolder;
import dev.vae4j.train.StopRequest;
import dev.vae4j.train.cache.CacheLabels;
import dev.vae4j.train.cache.LatentCacheOptions;
import dev.vae4j.train.cache.LatentCacheWriter;
import dev.vae4j.train.cache.ModelWeightsDigest;
import dev.vae4j.train.data.AspectBuckets;
import dev.vae4j.train.data.ImageClassFolders;
import dev.vae4j.train.data.ImageFiles;
import dev.vae4j.train.data.ImageSource;
import dev.vae4j.train.data.ShardPattern;
import dev.vae4j.train.data.SyntheticImages;
import dev.vae4j.train.data.WebDatasetShards;
import dev.vae4j.train.dist.DistributedContext;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The options of {@code vae encode} when it writes a latent cache folder (when {@code --output} ends with {@code /} or
 * is an existing folder): inputs of any sizes (an image folder or WebDataset tar shards) cropped to
 * {@code --resolution} squares or aspect buckets, encoded into {@code latents-NNNNNN.safetensors} shards plus
 * {@code index.json} ({@link LatentCacheWriter}), with {@code --labels} a class label per image; {@code --input
 * synthetic:N} caches N of the built-in synthetic images instead (their texture kinds are the classes of
 * {@code --labels synthetic}); under {@code vae launch} the ranks write disjoint shards.
 */
final class LatentCacheCommandOptions {
    /** The prefix of {@code --input} naming the built-in synthetic images. */
    private static final String SYNTHETIC = "synthetic:";

    @Option(
            names = "--resolution",
            paramLabel = "PX",
            description = "Cache folder output: square crop side (shorter side resized to PX, centre crop), or the"
                    + " bucket area PX² with --buckets.")
    private Integer resolution;

    @Option(
            names = "--buckets",
            description = "Cache folder output: SDXL-style aspect-ratio buckets of area"
                    + " about PX²; each image goes to the bucket nearest its aspect ratio.")
    private boolean buckets;

    @Option(
            names = "--bucket-step",
            paramLabel = "N",
            defaultValue = "64",
            description = "Bucket sides are multiples of N px (default: ${DEFAULT-VALUE}).")
    private int bucketStep;

    @Option(
            names = "--max-aspect",
            paramLabel = "R",
            defaultValue = "4",
            description = "Largest bucket aspect ratio (default: ${DEFAULT-VALUE}, as SDXL).")
    private double maxAspect;

    @Option(
            names = "--shard-size",
            paramLabel = "N",
            defaultValue = "1000",
            description = "Cache folder output: input images per shard file (default: ${DEFAULT-VALUE}).")
    private int shardSize;

    @Option(names = "--flip", description = "Cache folder output: also store the posterior of each crop mirrored.")
    private boolean flip;

    @Option(names = "--resume", description = "Cache folder output: keep finished shards, redo the others.")
    private boolean resume;

    @Option(
            names = "--decode-workers",
            paramLabel = "N",
            defaultValue = "2",
            description = "Threads decoding images ahead of the encoder (default: ${DEFAULT-VALUE}).")
    private int decodeWorkers;

    @Option(
            names = "--labels",
            paramLabel = "folders|synthetic|json:KEY",
            description = "Cache folder output: store a class label per image: 'folders' (the input's sub-folders are"
                    + " the classes, sorted, as torchvision's ImageFolder), 'synthetic' (with --input synthetic:N, the"
                    + " built-in images' texture kind: plain, stripes, checkers) or 'json:KEY' (the integer at KEY of"
                    + " each sample's .json, else its .cls).")
    private String labels;

    /** The inputs of a cache and where their labels come from. */
    record CacheInputs(ImageSource source, CacheLabels labels) {}

    /** Whether {@code output} names a cache folder rather than one .safetensors file. */
    static boolean isFolderOutput(String argument, Path output) {
        return argument.endsWith("/") || Files.isDirectory(output);
    }

    /** Checks the options and the folder before the model is loaded; returns the inputs and their labels. */
    CacheInputs inputs(Path input, Path output, DistributedContext context) {
        if (resolution == null) {
            throw new IllegalArgumentException(
                    "--resolution PX is required when --output is a folder (" + output + "/)");
        }
        String text = input.toString();
        boolean shards = ShardPattern.isShardPattern(text);
        SyntheticImages synthetic = text.startsWith(SYNTHETIC) ? synthetic(text) : null;
        CacheInputs inputs;
        if (synthetic != null) {
            if (labels != null && !labels.equals("synthetic")) {
                throw new IllegalArgumentException("--input " + text + " (the built-in images) takes --labels synthetic"
                        + " or none, got --labels " + labels);
            }
            inputs = new CacheInputs(
                    synthetic.asSource(), labels == null ? CacheLabels.none() : CacheLabels.synthetic(synthetic));
        } else if ("synthetic".equals(labels)) {
            throw new IllegalArgumentException(
                    "--labels synthetic needs the built-in images as --input (synthetic:N), got " + text);
        } else if (labels == null) {
            inputs = new CacheInputs(shards ? WebDatasetShards.open(text) : folder(input), CacheLabels.none());
        } else if (labels.equals("folders")) {
            if (shards) {
                throw new IllegalArgumentException("--labels folders needs an image folder of class sub-folders as"
                        + " --input, got tar shards " + text + " (use --labels json:KEY)");
            }
            ImageClassFolders classes = ImageClassFolders.open(input);
            inputs = new CacheInputs(classes.images(), CacheLabels.folders(classes));
        } else if (labels.startsWith("json:")) {
            inputs = new CacheInputs(
                    shards ? WebDatasetShards.open(text) : folder(input),
                    CacheLabels.json(labels.substring("json:".length())));
        } else {
            throw new IllegalArgumentException(
                    "--labels must be 'folders', 'synthetic' or 'json:KEY', got '" + labels + "'");
        }
        LatentCacheWriter.checkFolder(output, resume, context.rank(), context.worldSize());
        return inputs;
    }

    /**
     * The built-in images named by {@code synthetic:COUNT} or {@code synthetic:COUNT:SEED} (seed 0), at the cache's
     * resolution.
     */
    private SyntheticImages synthetic(String text) {
        String[] parts = text.substring(SYNTHETIC.length()).split(":", -1);
        if (parts.length > 2
                || !parts[0].matches("[1-9]\\d{0,8}")
                || parts.length == 2 && !parts[1].matches("-?\\d{1,18}")) {
            throw new IllegalArgumentException("--input " + text + ": the built-in images are named synthetic:COUNT or"
                    + " synthetic:COUNT:SEED (COUNT from 1 to 999999999)");
        }
        return new SyntheticImages(
                Integer.parseInt(parts[0]), resolution, parts.length == 2 ? Long.parseLong(parts[1]) : 0L, false);
    }

    private static ImageSource folder(Path input) {
        if (!Files.isDirectory(input)) {
            throw new IllegalArgumentException("--input " + input + " must be an image folder or tar shards (a path"
                    + " or brace pattern ending in .tar) when --output is a folder");
        }
        return new ImageFiles(input);
    }

    /** The rank and world size of this process (one process unless started by {@code vae launch}). */
    static DistributedContext context() {
        return DistributedContext.fromEnvironment(System.getenv(), "cpu", null, DistributedContext.DEFAULT_TIMEOUT);
    }

    /**
     * Encodes this rank's shards of {@code source} into {@code output}; returns the exit code: 0, or 143/130 when
     * SIGTERM/SIGINT stopped it before the cache was complete (the finished shards stay, the one in progress is
     * dropped; {@code --resume} continues).
     */
    int run(
            Autoencoder model,
            Path modelDir,
            CacheInputs inputs,
            Path output,
            int batchSize,
            DistributedContext context,
            PrintWriter out,
            PrintWriter err) {
        AspectBuckets shapes = buckets ? AspectBuckets.of(resolution, bucketStep, maxAspect) : null;
        LatentCacheOptions options =
                new LatentCacheOptions(resolution, shapes, shardSize, flip, batchSize, decodeWorkers, inputs.labels());
        ImageSource source = inputs.source();
        LatentCacheWriter writer = new LatentCacheWriter(
                model, source, output, options, modelConfig(modelDir), ModelWeightsDigest.of(modelDir));
        CliSupport.Progress progress = new CliSupport.Progress("cached", 1);
        StopRequest stop = new StopRequest();
        LatentCacheWriter.Report report;
        int stopExit;
        try (StopSignals signals = StopSignals.requestingStop(
                stop, err, context.distributed(), "dropping the shard in progress and stopping")) {
            report = writer.write(
                    context.rank(), context.worldSize(), resume, (done, total) -> progress.advance(done, total), stop);
            stopExit = signals.exitCode();
        }
        // this rank's shards are rank, rank + W, ...: one neither written nor kept was dropped by the stop
        int shards = (int) ((source.size() + (long) shardSize - 1) / shardSize);
        int mine = Math.max(0, (shards - context.rank() + context.worldSize() - 1) / context.worldSize());
        boolean stopped = report.shardsWritten() + report.shardsKept() < mine;
        out.printf(
                Locale.ROOT,
                "%s %d image(s) into %d shard(s) of %s (%d finished shard(s) kept, %d unreadable"
                        + " input(s) skipped)%s%n",
                stopped ? "stopped by " + stop.reason() + " after caching" : "cached",
                report.encoded(),
                report.shardsWritten(),
                output,
                report.shardsKept(),
                report.skipped(),
                report.indexWritten()
                        ? "; wrote " + output.resolve("index.json")
                        : stopped ? "; the shard in progress was dropped: continue with --resume" : "");
        return stopped ? stopExit : 0;
    }

    private static ModelConfig modelConfig(Path modelDir) {
        return ModelFolder.find(modelDir)
                .map(folder -> ModelConfig.read(folder.resolve(ModelFolder.CONFIG_FILE)))
                .orElse(null);
    }
}
