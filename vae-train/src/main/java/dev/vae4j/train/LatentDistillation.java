package dev.vae4j.train;

import dev.vae4j.core.io.StateDict;
import dev.vae4j.core.model.Autoencoder;
import dev.vae4j.core.model.DeterministicLatent;
import dev.vae4j.core.model.LatentNormalizer;
import dev.vae4j.core.model.TrainableAutoencoder;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Distils a student decoder from a frozen teacher VAE's latent space, as TAESD's decoders are made: the training loop
 * sees a model whose {@code encode} is the teacher's (posterior mode, normalised with the teacher's
 * {@link LatentNormalizer} — the latents a diffusion model sees — then mapped into the student's raw latent space with
 * the student's normaliser, without gradients) and whose {@code decode} is the student's, so any objective (pixel,
 * LPIPS, GAN with any discriminator) trains the student's decoder to turn the teacher's latents back into the images.
 * Train with {@code decoder_only} so only the student's decoder is updated; parameters, checkpoints, EMA and
 * {@link #save} are the student's alone. Images (N, C, H, W) in [-1, 1]; latents (N, L, H/f, W/f).
 */
public final class LatentDistillation implements TrainableAutoencoder {
    private final TrainableAutoencoder student;
    private final Autoencoder teacher;

    /**
     * @param student the model being trained (e.g. an {@code AutoencoderTiny})
     * @param teacher the frozen VAE whose latents it learns to decode, on the device the training runs on
     * @throws IllegalArgumentException if their latent channels or spatial factors differ
     */
    public LatentDistillation(TrainableAutoencoder student, Autoencoder teacher) {
        if (student.latentChannels() != teacher.latentChannels()
                || student.downsamplingFactor() != teacher.downsamplingFactor()
                || student.imageChannels() != teacher.imageChannels()) {
            throw new IllegalArgumentException("cannot distil from a teacher with " + teacher.latentChannels()
                    + " latent channels at f" + teacher.downsamplingFactor() + " (" + teacher.imageChannels()
                    + "-channel images) into a student with " + student.latentChannels() + " at f"
                    + student.downsamplingFactor() + " (" + student.imageChannels() + "-channel images)");
        }
        this.student = student;
        this.teacher = teacher;
    }

    /** Freezes the teacher's parameters and puts it in eval mode; returns it. */
    public static TrainableAutoencoder frozen(TrainableAutoencoder teacher) {
        teacher.module().eval();
        for (Tensor p : StateDict.parameters(teacher.module())) {
            p.requires_grad_(false);
        }
        return teacher;
    }

    /** The student being trained. */
    public TrainableAutoencoder student() {
        return student;
    }

    /** The teacher's latents for {@code images}, in the student's raw latent space, as a point posterior. */
    @Override
    public DeterministicLatent encode(Tensor images) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor normalized =
                    teacher.latentNormalizer().normalize(teacher.encode(images).mode());
            return new DeterministicLatent(
                    student.latentNormalizer().denormalize(normalized).detach());
        }
    }

    @Override
    public Tensor decode(Tensor latents) {
        return student.decode(latents);
    }

    @Override
    public Module module() {
        return student.module();
    }

    @Override
    public List<Tensor> decoderParameters() {
        return student.decoderParameters();
    }

    @Override
    public Tensor lastLayerWeight() {
        return student.lastLayerWeight();
    }

    @Override
    public void save(Path dir) {
        student.save(dir);
    }

    @Override
    public int imageChannels() {
        return student.imageChannels();
    }

    @Override
    public int outputChannels() {
        return student.outputChannels();
    }

    @Override
    public int latentChannels() {
        return student.latentChannels();
    }

    @Override
    public int downsamplingFactor() {
        return student.downsamplingFactor();
    }

    @Override
    public LatentNormalizer latentNormalizer() {
        return student.latentNormalizer();
    }

    @Override
    public boolean forceUpcast() {
        return student.forceUpcast();
    }
}
