package dev.vae4j.diffusion.objective;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.tensor.TensorScope;
import dev.vae4j.diffusion.Denoiser;
import dev.vae4j.diffusion.PredictionType;
import dev.vae4j.diffusion.schedule.NoiseSchedule;
import java.util.Arrays;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad arguments fail with one-line IllegalArgumentExceptions naming the value and its limit. */
class ObjectiveArgumentsTest {
    private static final NoiseSchedule SCHEDULE = NoiseSchedule.fromBetas(linear(10));
    private TensorScope scope;

    @BeforeEach
    void open() {
        scope = new TensorScope();
    }

    @AfterEach
    void close() {
        scope.close();
    }

    static double[] linear(int steps) {
        double[] betas = new double[steps];
        Arrays.setAll(betas, i -> 1e-4 + i * (0.02 - 1e-4) / (steps - 1));
        return betas;
    }

    static void fails(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' names " + fragment);
        }
    }

    static Tensor steps(long... values) {
        Tensor t = torch.empty(values.length).to(ScalarType.Long);
        t.data_ptr_long().put(values, 0, values.length);
        return t;
    }

    @Test
    void latentsOfTheWrongRankOrShape() {
        ForwardProcess process = new ForwardProcess(SCHEDULE);
        Tensor x0 = torch.randn(2, 4, 8, 8);
        fails(
                () -> process.addNoise(torch.randn(2, 4, 8), torch.randn(2, 4, 8), steps(1, 2)),
                "x0",
                "4-D",
                "[2, 4, 8]");
        fails(() -> process.addNoise(x0, torch.randn(2, 4, 8, 4), steps(1, 2)), "noise", "[2, 4, 8, 4]");
        fails(() -> process.addNoise(x0, torch.randn(2, 4, 8, 8), steps(1, 2, 3)), "timesteps", "(2)", "[3]");
        fails(() -> process.toSample(PredictionType.EPSILON, torch.randn(1, 4, 8, 8), x0, steps(1, 2)), "prediction");
        fails(() -> RegressionLoss.L2.mean(x0, torch.randn(2, 4, 8, 7)), "[2, 4, 8, 8]", "[2, 4, 8, 7]");
        fails(() -> RegressionLoss.L1.weightedMean(x0, x0, torch.ones(3)), "weights", "N = 2", "[3]");
    }

    @Test
    void timestepsOutsideTheSchedule() {
        ForwardProcess process = new ForwardProcess(SCHEDULE);
        Tensor x0 = torch.randn(2, 4, 8, 8);
        fails(() -> process.addNoise(x0, x0, steps(0, 10)), "timestep 10", "[0, 10)");
        fails(() -> process.velocity(x0, x0, steps(-1, 3)), "timestep -1", "[0, 10)");
        fails(() -> process.snr(steps(11)), "timestep 11", "[0, 10)");
        fails(() -> process.addNoise(x0, x0, torch.ones(2)), "integer", "Float");
    }

    @Test
    void weightingAndShiftParametersOutOfRange() {
        fails(() -> new MinSnrWeighting(0), "gamma", "> 0", "0.0");
        fails(() -> DiffusionObjective.builder(SCHEDULE).minSnrGamma(-5), "gamma", "-5.0");
        fails(() -> new MinSnrWeighting(Double.NaN), "gamma", "NaN");
        fails(() -> TimestepShift.of(0), "shift", "> 0", "0.0");
        fails(() -> RectifiedFlowObjective.builder().shift(-2), "shift", "-2.0");
        fails(() -> RectifiedFlowObjective.builder().trainTimesteps(0), "train timesteps", ">= 1", "0");
        fails(() -> FlowTimeSampler.logitNormal(0, 0), "std", "> 0", "0.0");
        fails(() -> FlowTimeSampler.logitNormal(Double.POSITIVE_INFINITY, 1), "mean", "Infinity");
        fails(() -> FlowTimeSampler.mode(2.0), "mode scale", "[-1, 1.75", "2.0");
        fails(() -> FlowTimeSampler.uniform().draws(0, torch.make_generator_cpu()), "timesteps", ">= 1", "0");
        fails(() -> PredictionType.fromConfigName("flow"), "'flow'", "epsilon, v_prediction, sample");
    }

    @Test
    void flowTimesAndNoiseLevelsOutsideTheUnitInterval() {
        RectifiedFlowObjective objective = RectifiedFlowObjective.builder()
                .weighting(FlowLossWeighting.SIGMA_SQRT)
                .build();
        Tensor x0 = torch.randn(2, 4, 8, 8);
        fails(() -> objective.sigmas(torch.full(new long[] {2}, new Scalar(1.0))), "time u 1.0", "[0, 1)");
        fails(() -> objective.sigmas(torch.full(new long[] {2}, new Scalar(-0.5))), "time u -0.5", "[0, 1)");
        fails(() -> objective.interpolate(x0, x0, torch.full(new long[] {2}, new Scalar(1.5))), "sigma 1.5", "[0, 1]");
        fails(() -> objective.interpolate(x0, x0, torch.ones(3)), "sigmas", "(2)", "[3]");
        fails(() -> objective.compute(new Identity(4), x0, null, torch.zeros(2), x0), "sigma 0", "sigma_sqrt");
    }

    @Test
    void aDenoiserThatDoesNotFitTheLatents() {
        DiffusionObjective objective = DiffusionObjective.builder(SCHEDULE).build();
        Tensor x0 = torch.randn(2, 4, 8, 8);
        fails(() -> objective.compute(new Identity(3), x0, null, steps(1, 2), x0), "4 channels", "takes 3");
        fails(() -> objective.compute(new Identity(4), torch.randn(2, 4, 8), null, torch.make_generator_cpu()), "x0");
    }

    /** Predicts its input: a denoiser with no parameters, for argument checks. */
    private record Identity(int channels) implements Denoiser {
        @Override
        public Tensor predict(Tensor latents, Tensor timesteps, Tensor labels) {
            return latents;
        }

        @Override
        public int latentChannels() {
            return channels;
        }

        @Override
        public int predictionChannels() {
            return channels;
        }

        @Override
        public int numClasses() {
            return 0;
        }

        @Override
        public boolean hasUnconditionalPrediction() {
            return true;
        }
    }
}
