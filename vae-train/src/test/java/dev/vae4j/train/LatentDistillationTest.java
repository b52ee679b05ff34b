package dev.vae4j.train;

import static org.bytedeco.pytorch.global.torch.manual_seed;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.model.AutoencoderKL;
import dev.vae4j.core.model.AutoencoderKLConfig;
import dev.vae4j.core.model.ModelConfig;
import dev.vae4j.core.model.tiny.AutoencoderTiny;
import dev.vae4j.core.model.tiny.AutoencoderTinyConfig;
import dev.vae4j.core.model.tiny.EncoderStem;
import dev.vae4j.core.model.tiny.TinyActivation;
import dev.vae4j.core.nn.InterpolatingUpsample2D;
import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.core.testing.Fixtures;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link LatentDistillation}: the student sees the teacher's latents normalised with the teacher's scale/shift and
 * mapped into its own raw space, without gradients; decoding, parameters and saving are the student's.
 */
class LatentDistillationTest {
    private static AutoencoderKL teacher(int latentChannels) {
        ModelConfig json = AutoencoderKLConfig.preset("sd")
                .toConfig()
                .with("block_out_channels", List.of(8, 8))
                .with("down_block_types", List.of("DownEncoderBlock2D", "DownEncoderBlock2D"))
                .with("up_block_types", List.of("UpDecoderBlock2D", "UpDecoderBlock2D"))
                .with("norm_num_groups", 4)
                .with("layers_per_block", 1)
                .with("latent_channels", latentChannels)
                .with("scaling_factor", 0.5)
                .with("shift_factor", 0.25);
        return new AutoencoderKL(AutoencoderKLConfig.fromConfig(json));
    }

    private static AutoencoderTiny student(double scale, double shift) {
        return new AutoencoderTiny(new AutoencoderTinyConfig(
                3,
                3,
                List.of(8, 8),
                List.of(8, 8),
                TinyActivation.RELU,
                InterpolatingUpsample2D.Mode.NEAREST,
                4,
                2,
                List.of(1, 1),
                List.of(1, 1),
                3.0,
                0.5,
                false,
                scale,
                shift,
                false,
                EncoderStem.CONV));
    }

    @Test
    void studentSeesTheTeachersNormalisedLatentsInItsOwnSpace() {
        try (TensorScope scope = new TensorScope()) {
            manual_seed(2);
            AutoencoderKL teacher = teacher(4);
            AutoencoderTiny student = student(2.0, -1.0);
            LatentDistillation distillation = new LatentDistillation(student, LatentDistillation.frozen(teacher));
            Tensor images = randn(2, 3, 8, 8).tanh();
            Tensor latents = distillation.encode(images).mean();
            Tensor normalized =
                    teacher.encode(images).mode().sub(new Scalar(0.25)).mul(new Scalar(0.5));
            Tensor expected = normalized.div(new Scalar(2.0)).add(new Scalar(-1.0));
            assertTrue(Fixtures.maxAbsDiff(expected, latents) < 1e-6);
            assertFalse(latents.requires_grad());
            assertEquals(0.0, distillation.encode(images).kl().abs().sum().item_double());
            assertTrue(distillation.decode(latents).requires_grad(), "the student's decoder trains");
            assertEquals(
                    student.decoderParameters().size(),
                    distillation.decoderParameters().size());
            assertTrue(distillation.module() == student);
        }
    }

    @Test
    void refusesATeacherOfAnotherLatentSpace() {
        try (TensorScope scope = new TensorScope()) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> new LatentDistillation(student(1.0, 0.0), teacher(16)));
            assertTrue(e.getMessage().contains("16 latent channels at f2"), e.getMessage());
        }
    }
}
