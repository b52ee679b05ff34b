package dev.vae4j.core.model.tiny;

import dev.vae4j.core.io.TensorSource;
import dev.vae4j.core.io.torch.CheckpointFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;

/**
 * taesd.py's own checkpoints ({@code taesd_encoder.pth}, {@code taef2_decoder.pth}, ...: the state dicts of its
 * {@code nn.Sequential} encoder and decoder, keys {@code 0.weight}, {@code 1.conv.0.weight}, ...) to an
 * {@link AutoencoderTiny}. The architecture is read from the keys and shapes, so every variant of taesd.py loads
 * without naming it: the widths and block counts of each level (a conv without bias starts a level), the latent
 * channels, FLUX.2's GroupNorm pooling ({@code pool.*} keys) and the f32 encoder's strided stem (two convs before the
 * first block). Keys become diffusers' names: encoder index i -> {@code encoder.layers.i}, decoder index i ->
 * {@code decoder.layers.(i-1)} (taesd.py's decoder starts with its parameter-free clamp). The files are read by vae4j's
 * allow-listed unpickler ({@link CheckpointFiles}); safetensors files with the same keys work too.
 */
public final class TaesdCheckpoints {
    private static final Pattern KEY = Pattern.compile("(\\d+)\\.(.+)");

    private TaesdCheckpoints() {}

    /** One parametered entry of the {@code nn.Sequential}: its index and its tensors' shapes by suffix. */
    private record Entry(int index, Map<String, long[]> shapes) {
        boolean isBlock() {
            return shapes.containsKey("conv.0.weight");
        }

        boolean pooled() {
            return shapes.containsKey("pool.0.weight");
        }

        boolean hasBias() {
            return shapes.containsKey("bias");
        }

        long[] weight(String file) {
            long[] shape = shapes.get(isBlock() ? "conv.0.weight" : "weight");
            if (shape == null || shape.length != 4) {
                throw new IllegalArgumentException(file + ": layer " + index + " is neither a conv nor a taesd.py "
                        + "Block (keys " + shapes.keySet() + ")");
            }
            return shape;
        }

        int out(String file) {
            return (int) weight(file)[0];
        }
    }

    /** The architecture of one half as read from its keys. */
    private record Half(
            List<Integer> widths,
            List<Integer> blocks,
            List<Boolean> pooledLevels,
            int firstIn,
            int lastOut,
            EncoderStem stem) {
        boolean anyPooled() {
            return pooledLevels.contains(true);
        }
    }

    /**
     * Loads taesd.py's encoder and/or decoder files into a model holding the halves given.
     *
     * @param encoderFile the encoder's {@code .pth} (or safetensors), or null for a decoder-only model
     * @param decoderFile the decoder's {@code .pth} (or safetensors), or null for an encoder-only model
     * @throws IllegalArgumentException if both are null, a file is missing, or its keys are not taesd.py's
     */
    public static AutoencoderTiny load(Path encoderFile, Path decoderFile) {
        if (encoderFile == null && decoderFile == null) {
            throw new IllegalArgumentException("give taesd.py's encoder file, decoder file or both");
        }
        for (Path file : new Path[] {encoderFile, decoderFile}) {
            if (file != null && !Files.isRegularFile(file)) {
                throw new IllegalArgumentException("taesd.py checkpoint " + file + " does not exist");
            }
        }
        try (CheckpointFiles.Opened encoder = encoderFile == null ? null : CheckpointFiles.open(encoderFile);
                CheckpointFiles.Opened decoder = decoderFile == null ? null : CheckpointFiles.open(decoderFile)) {
            String origin = (encoderFile == null ? "" : encoderFile.toString())
                    + (encoderFile != null && decoderFile != null ? " + " : "")
                    + (decoderFile == null ? "" : decoderFile.toString());
            return fromStateDicts(encoder, String.valueOf(encoderFile), decoder, String.valueOf(decoderFile), origin);
        }
    }

    /**
     * Converts taesd.py's files to a diffusers-style {@code AutoencoderTiny} folder ({@code config.json} +
     * {@code diffusion_pytorch_model.safetensors}), refusing to replace a model already there.
     *
     * @return the converted model
     */
    public static AutoencoderTiny convert(Path encoderFile, Path decoderFile, Path outputDir) {
        if (Files.exists(outputDir.resolve(AutoencoderTiny.CONFIG_FILE))
                || Files.exists(outputDir.resolve(AutoencoderTiny.WEIGHTS_FILE))) {
            throw new IllegalArgumentException("output folder " + outputDir + " already holds a model; choose "
                    + "another --output or remove it first");
        }
        AutoencoderTiny model = load(encoderFile, decoderFile);
        model.save(outputDir);
        return model;
    }

    /**
     * A model from taesd.py state dicts already open (either may be null, not both).
     *
     * @param encoderName the encoder source's name for messages
     * @param decoderName the decoder source's name for messages
     * @param origin what the model comes from, named when a missing half is used
     */
    public static AutoencoderTiny fromStateDicts(
            TensorSource encoder, String encoderName, TensorSource decoder, String decoderName, String origin) {
        AutoencoderTinyConfig config = inferConfig(encoder, encoderName, decoder, decoderName);
        AutoencoderTiny model = new AutoencoderTiny(config, encoder != null, decoder != null, origin);
        Map<String, Tensor> renamed = new LinkedHashMap<>();
        if (encoder != null) {
            rename(encoder, "encoder.layers.", 0, renamed);
        }
        if (decoder != null) {
            rename(decoder, "decoder.layers.", -1, renamed);
        }
        model.loadWeights(TensorSource.of(renamed), true, origin);
        return model;
    }

    /**
     * The configuration the state dicts describe (a missing half takes taesd.py's defaults).
     *
     * @throws IllegalArgumentException naming the file whose keys are not a taesd.py layout, or halves that do not fit
     *     together (latent channels, pooling)
     */
    public static AutoencoderTinyConfig inferConfig(
            TensorSource encoder, String encoderName, TensorSource decoder, String decoderName) {
        AutoencoderTinyConfig defaults = AutoencoderTinyConfig.taesd(4);
        Half enc = encoder == null ? null : readEncoder(entries(encoder, encoderName), encoderName);
        Half dec = decoder == null ? null : readDecoder(entries(decoder, decoderName), decoderName);
        if (enc != null && dec != null && enc.lastOut() != dec.firstIn()) {
            throw new IllegalArgumentException("the encoder " + encoderName + " makes " + enc.lastOut()
                    + " latent channels but the decoder " + decoderName + " takes " + dec.firstIn());
        }
        if (enc != null && dec != null && enc.anyPooled() != dec.anyPooled()) {
            throw new IllegalArgumentException("only one of " + encoderName + " and " + decoderName
                    + " has FLUX.2's GroupNorm pooling: they are not one model's halves");
        }
        return new AutoencoderTinyConfig(
                enc != null ? enc.firstIn() : defaults.inChannels(),
                dec != null ? dec.lastOut() : defaults.outChannels(),
                enc != null ? enc.widths() : defaults.encoderBlockOutChannels(),
                dec != null ? dec.widths() : defaults.decoderBlockOutChannels(),
                TinyActivation.RELU,
                defaults.upsampleMode(),
                enc != null ? enc.lastOut() : dec.firstIn(),
                2,
                enc != null ? enc.blocks() : defaults.numEncoderBlocks(),
                dec != null ? dec.blocks() : defaults.numDecoderBlocks(),
                defaults.latentMagnitude(),
                defaults.latentShift(),
                false,
                1.0,
                0.0,
                (enc != null && enc.anyPooled()) || (dec != null && dec.anyPooled()),
                enc != null ? enc.stem() : EncoderStem.CONV);
    }

    private static List<Entry> entries(TensorSource source, String file) {
        Map<Integer, Map<String, long[]>> byIndex = new TreeMap<>();
        for (String name : source.names()) {
            Matcher m = KEY.matcher(name);
            if (!m.matches()) {
                throw new IllegalArgumentException(
                        file + " is not a taesd.py state dict: key '" + name + "' does not start with a layer index");
            }
            byIndex.computeIfAbsent(Integer.parseInt(m.group(1)), i -> new LinkedHashMap<>())
                    .put(m.group(2), source.shape(name));
        }
        if (byIndex.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no tensors");
        }
        List<Entry> entries = new ArrayList<>();
        byIndex.forEach((index, shapes) -> entries.add(new Entry(index, shapes)));
        return entries;
    }

    private static Half readEncoder(List<Entry> entries, String file) {
        Entry first = entries.get(0);
        first.weight(file);
        boolean strided = entries.size() > 1
                && !entries.get(1).isBlock()
                && first.hasBias()
                && entries.get(1).hasBias();
        int start = strided ? 2 : 1;
        Entry stemOut = entries.get(start - 1);
        Entry last = entries.get(entries.size() - 1);
        if (last.isBlock() || !last.hasBias()) {
            throw new IllegalArgumentException(file + " is not a taesd.py encoder: its last layer " + last.index()
                    + " is not the conv to the latent channels");
        }
        Half half = levels(
                entries.subList(start, entries.size() - 1),
                stemOut.out(file),
                (int) first.weight(file)[1],
                last.out(file),
                strided ? EncoderStem.STRIDED_PAIR : EncoderStem.CONV,
                file);
        checkPooling(half.pooledLevels(), half.pooledLevels().size() - 1, file);
        return half;
    }

    private static Half readDecoder(List<Entry> entries, String file) {
        Entry first = entries.get(0);
        if (first.isBlock() || !first.hasBias() || first.index() == 0) {
            throw new IllegalArgumentException(file + " is not a taesd.py decoder: it does not start with the clamp "
                    + "(index 0) and the conv from the latent channels");
        }
        Entry last = entries.get(entries.size() - 1);
        if (entries.size() < 2 || last.isBlock() || !last.hasBias()) {
            throw new IllegalArgumentException(file + " is not a taesd.py decoder: its last layer " + last.index()
                    + " is not the conv to the image channels");
        }
        Half half = levels(
                entries.subList(1, entries.size() - 1),
                first.out(file),
                (int) first.weight(file)[1],
                last.out(file),
                EncoderStem.CONV,
                file);
        checkPooling(half.pooledLevels(), 0, file);
        return half;
    }

    /** Levels from the entries between the first and the last conv: a conv without bias starts the next level. */
    private static Half levels(
            List<Entry> middle, int firstWidth, int firstIn, int lastOut, EncoderStem stem, String file) {
        List<Integer> widths = new ArrayList<>(List.of(firstWidth));
        List<Integer> blocks = new ArrayList<>(List.of(0));
        List<Boolean> pooled = new ArrayList<>(List.of(false));
        for (Entry entry : middle) {
            int level = widths.size() - 1;
            if (entry.isBlock()) {
                blocks.set(level, blocks.get(level) + 1);
                pooled.set(level, pooled.get(level) || entry.pooled());
                if (entry.out(file) != widths.get(level)) {
                    throw new IllegalArgumentException(file + ": block " + entry.index() + " is " + entry.out(file)
                            + " channels wide inside a level of width " + widths.get(level));
                }
            } else if (!entry.hasBias()) {
                widths.add(entry.out(file));
                blocks.add(0);
                pooled.add(false);
            } else {
                throw new IllegalArgumentException(file + ": layer " + entry.index() + " is a conv with bias between "
                        + "the first and the last layer, which no taesd.py variant has");
            }
        }
        return new Half(widths, blocks, pooled, firstIn, lastOut, stem);
    }

    private static void checkPooling(List<Boolean> pooled, int expectedLevel, String file) {
        for (int level = 0; level < pooled.size(); level++) {
            if (pooled.get(level) && level != expectedLevel) {
                throw new IllegalArgumentException(file + ": GroupNorm pooling in level " + level + "; taesd.py's "
                        + "FLUX.2 variant has it only in the deepest level (" + expectedLevel + ")");
            }
        }
    }

    /** Copies {@code source} (keys already checked by {@link #entries}) under diffusers' names. */
    private static void rename(TensorSource source, String prefix, int shift, Map<String, Tensor> into) {
        for (String name : source.names()) {
            Matcher m = KEY.matcher(name);
            m.matches();
            into.put(prefix + (Integer.parseInt(m.group(1)) + shift) + "." + m.group(2), source.load(name));
        }
    }
}
