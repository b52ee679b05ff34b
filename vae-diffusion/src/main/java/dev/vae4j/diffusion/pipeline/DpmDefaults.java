package dev.vae4j.diffusion.pipeline;

import dev.vae4j.core.model.ConfigFields;
import java.util.Set;

/**
 * The {@code DPMSolverMultistepScheduler} keys whose values vae4j's DPM-Solver++ (2M) implements only at diffusers'
 * defaults; any other value is refused naming the key.
 */
final class DpmDefaults {
    static final Set<String> KEYS = Set.of(
            "algorithm_type",
            "solver_order",
            "solver_type",
            "lower_order_final",
            "euler_at_final",
            "use_karras_sigmas",
            "use_exponential_sigmas",
            "use_beta_sigmas",
            "use_lu_lambdas",
            "use_flow_sigmas",
            "flow_shift",
            "final_sigmas_type",
            "lambda_min_clipped",
            "variance_type",
            "use_dynamic_shifting",
            "time_shift_type");

    private DpmDefaults() {}

    static void require(ConfigFields f) {
        SchedulerConfig.requireValue(f, "algorithm_type", "dpmsolver++");
        SchedulerConfig.requireValue(f, "solver_type", "midpoint");
        SchedulerConfig.requireValue(f, "final_sigmas_type", "zero");
        int order = f.integer("solver_order", 2);
        f.require(order == 2, "solver_order " + order + " is not supported; supported: 2");
        f.require(f.bool("lower_order_final", true), "lower_order_final = false is not supported");
        for (String flag : new String[] {
            "euler_at_final",
            "use_karras_sigmas",
            "use_exponential_sigmas",
            "use_beta_sigmas",
            "use_lu_lambdas",
            "use_flow_sigmas",
            "use_dynamic_shifting"
        }) {
            f.require(!f.bool(flag, false), flag + " = true is not supported");
        }
        double lambdaMin = f.number("lambda_min_clipped", Double.NEGATIVE_INFINITY);
        f.require(lambdaMin == Double.NEGATIVE_INFINITY, "lambda_min_clipped " + lambdaMin + " is not supported");
        f.require(
                f.json("variance_type") == null || "null".equals(f.json("variance_type")),
                "variance_type " + f.json("variance_type") + " is not supported; supported: null");
    }
}
