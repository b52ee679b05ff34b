package dev.vae4j.diffusion.sampling;

/**
 * How diffusers' {@code DDPMScheduler.set_timesteps} and {@code DDIMScheduler.set_timesteps} pick the inference
 * timesteps among the T training ones ({@code timestep_spacing}; Lin et al. 2023, Table 2).
 */
public enum TimestepSpacing {
    /** {@code arange(0, N) * (T // N) + steps_offset}, descending (diffusers' default). */
    LEADING,
    /** {@code round(arange(T, 0, -T / N)) - 1}: the last training timestep first. */
    TRAILING,
    /** {@code round(linspace(0, T - 1, N))}, descending. */
    LINSPACE;

    /**
     * The N timesteps, in sampling (descending) order, computed in float64 as numpy does.
     *
     * @throws IllegalArgumentException when N is outside [1, T] or a timestep falls outside [0, T-1]
     */
    public int[] timesteps(int trainTimesteps, int steps, int stepsOffset) {
        requireArguments(trainTimesteps, steps, stepsOffset);
        return checked(
                switch (this) {
                    case LEADING -> leading(trainTimesteps, steps, stepsOffset);
                    case TRAILING -> trailing(trainTimesteps, steps);
                    case LINSPACE -> linspace(trainTimesteps, steps);
                },
                trainTimesteps,
                steps,
                stepsOffset);
    }

    /**
     * The N timesteps of diffusers' {@code DPMSolverMultistepScheduler.set_timesteps}, descending: linspace and leading
     * spread N + 1 points and drop the last one (0), {@code round(linspace(0, T - 1, N + 1))} and {@code arange(0, N +
     * 1) * (T // (N + 1)) + steps_offset}; trailing as {@link #timesteps}.
     *
     * @throws IllegalArgumentException when N is outside [1, T] or a timestep falls outside [0, T-1]
     */
    public int[] multistepTimesteps(int trainTimesteps, int steps, int stepsOffset) {
        requireArguments(trainTimesteps, steps, stepsOffset);
        int[] timesteps = new int[steps];
        switch (this) {
            case LEADING -> {
                int ratio = trainTimesteps / (steps + 1);
                for (int i = 0; i < steps; i++) {
                    timesteps[i] = (steps - i) * ratio + stepsOffset;
                }
            }
            case TRAILING -> timesteps = trailing(trainTimesteps, steps);
            case LINSPACE -> {
                double[] values = Linspace.of(0, trainTimesteps - 1, steps + 1);
                for (int i = 0; i < steps; i++) {
                    timesteps[i] = (int) Math.rint(values[steps - i]);
                }
            }
        }
        return checked(timesteps, trainTimesteps, steps, stepsOffset);
    }

    private static void requireArguments(int trainTimesteps, int steps, int stepsOffset) {
        StepChecks.requireStepCount(
                steps, trainTimesteps, "the schedule has " + trainTimesteps + " training timesteps");
        if (stepsOffset < 0) {
            throw new IllegalArgumentException("steps_offset " + stepsOffset + " is negative");
        }
    }

    private int[] checked(int[] timesteps, int trainTimesteps, int steps, int stepsOffset) {
        for (int t : timesteps) {
            if (t < 0 || t >= trainTimesteps) {
                throw new IllegalArgumentException("timestep " + t + " (" + name().toLowerCase(java.util.Locale.ROOT)
                        + " spacing, " + steps + " steps, steps_offset " + stepsOffset
                        + ") is outside the schedule's [0, " + (trainTimesteps - 1) + "]");
            }
        }
        return timesteps;
    }

    private static int[] leading(int trainTimesteps, int steps, int stepsOffset) {
        int ratio = trainTimesteps / steps;
        int[] timesteps = new int[steps];
        for (int i = 0; i < steps; i++) {
            timesteps[i] = (steps - 1 - i) * ratio + stepsOffset;
        }
        return timesteps;
    }

    /** {@code np.round(np.arange(T, 0, -T / N)).astype(int64) - 1}, with numpy's arange length and fill rule. */
    private static int[] trailing(int trainTimesteps, int steps) {
        double step = -((double) trainTimesteps / steps);
        int length = (int) Math.ceil((0 - trainTimesteps) / step);
        double start = trainTimesteps;
        double delta = (start + step) - start;
        int[] timesteps = new int[length];
        for (int i = 0; i < length; i++) {
            double value = i == 0 ? start : i == 1 ? start + step : start + i * delta;
            timesteps[i] = (int) Math.rint(value) - 1;
        }
        return timesteps;
    }

    private static int[] linspace(int trainTimesteps, int steps) {
        double[] values = Linspace.of(0, trainTimesteps - 1, steps);
        int[] timesteps = new int[steps];
        for (int i = 0; i < steps; i++) {
            timesteps[i] = (int) Math.rint(values[steps - 1 - i]);
        }
        return timesteps;
    }
}
