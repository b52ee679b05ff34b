package dev.vae4j.core.model;

import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.tensor.TensorScope;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Parameter counts of the {@code vqgan-training-f8c16} and {@code linear-attention-f8c4} presets against sums of
 * per-layer formulas written here from upstream code (conv {@code i*o*k*k + o}, GroupNorm {@code 2c}, bias-free 1x1
 * {@code i*o}), never from the model. The same totals come out of the upstream projects' own modules in
 * {@code tools/reference/gen_variants.py} (cloneofsimo/vqgan-training: encoder 136,587,024 + decoder 197,947,907;
 * stanipov/pytorch-diffusion: 624,319).
 */
class UpstreamPresetsTest {
    private static long conv(long in, long out, long k) {
        return in * out * k * k + out;
    }

    private static long norm(long c) {
        return 2 * c;
    }

    /** cloneofsimo/vqgan-training / diffusers resnet: norm1, conv1, norm2, conv2, 1x1 shortcut when channels change. */
    private static long resnet(long in, long out) {
        return norm(in) + conv(in, out, 3) + norm(out) + conv(out, out, 3) + (in == out ? 0 : conv(in, out, 1));
    }

    /** stanipov/pytorch-diffusion resnet at constant channels: two (WS conv 3x3, GroupNorm) blocks. */
    private static long convBlockResnet(long c) {
        return 2 * (conv(c, c, 3) + norm(c));
    }

    /** pytorch-diffusion's Residual(PreNorm(LinearAttention)): pre-norm, bias-free qkv, out conv, out GroupNorm(1). */
    private static long linearAttention(long c, long hidden) {
        return norm(c) + 3 * hidden * c + conv(hidden, c, 1) + norm(c);
    }

    @Test
    void vqganTrainingF8c16MatchesItsLayerSum() {
        List<Long> channels = List.of(256L, 512L, 1024L, 1024L);
        long multiHead = norm(1024) + 3 * 1024 * 1024 + 1024 * 1024;
        long encoder = conv(3, 256, 3);
        long previous = 256;
        for (int i = 0; i < 4; i++) {
            long c = channels.get(i);
            encoder += resnet(previous, c) + resnet(c, c) + (i < 3 ? conv(c, c, 3) : 0);
            previous = c;
        }
        encoder += 2 * resnet(1024, 1024) + multiHead + norm(1024) + conv(1024, 16, 3);
        long decoder = conv(16, 1024, 3) + 2 * resnet(1024, 1024) + multiHead;
        previous = 1024;
        for (int i = 0; i < 4; i++) {
            long c = channels.get(3 - i);
            decoder += resnet(previous, c) + 2 * resnet(c, c) + (i < 3 ? conv(c, c, 3) : 0);
            previous = c;
        }
        decoder += norm(256) + conv(256, 3, 3);
        assertEquals(136_587_024L, encoder);
        assertEquals(197_947_907L, decoder);
        AutoencoderKLConfig config = AutoencoderKLConfig.preset("vqgan-training-f8c16");
        manual_seed(0);
        // Built one half at a time and freed at once: the whole model holds 1.3 GB of float32 weights.
        try (TensorScope scope = new TensorScope(); Encoder built = new Encoder(config)) {
            assertEquals(encoder, StateDict.parameterCount(built));
        }
        try (TensorScope scope = new TensorScope(); Decoder built = new Decoder(config)) {
            assertEquals(decoder, StateDict.parameterCount(built));
        }
    }

    @Test
    void linearAttentionF8c4MatchesItsLayerSum() {
        long[] c = {8, 16, 32, 64};
        long hidden = 16;
        long expected = conv(3, 8, 3);
        for (int i = 0; i < 4; i++) {
            long in = c[Math.max(0, i - 1)];
            expected += 2 * convBlockResnet(in) + linearAttention(in, hidden)
                    + (i < 3 ? conv(in, c[i], 3) + norm(c[i]) : conv(in, c[i], 3));
        }
        expected += 2 * convBlockResnet(64) + linearAttention(64, hidden) + norm(64) + conv(64, 8, 3);
        expected += conv(4, 64, 3) + 2 * convBlockResnet(64) + linearAttention(64, hidden);
        for (int i = 0; i < 4; i++) {
            long out = c[3 - i];
            long next = c[Math.max(0, 2 - i)];
            expected += 2 * convBlockResnet(out) + linearAttention(out, hidden)
                    + (i < 3 ? conv(out, next, 3) + norm(next) : conv(out, next, 3));
        }
        expected += norm(8) + conv(8, 3, 3) + conv(8, 8, 1) + conv(4, 4, 1);
        assertEquals(624_319L, expected);
        manual_seed(0);
        try (TensorScope scope = new TensorScope();
                AutoencoderKL model = new AutoencoderKL(AutoencoderKLConfig.preset("linear-attention-f8c4"))) {
            assertEquals(expected, StateDict.parameterCount(model));
            assertEquals(8, model.downsamplingFactor());
        }
    }
}
