package dev.vae4j.cli;

import dev.vae4j.diffusion.train.Stage2Recipe;
import dev.vae4j.recipes.Recipe;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code vae recipes}: the built-in training recipes, one per line with its description: the autoencoder recipes, then
 * the stage-2 ones.
 */
@Command(
        name = "recipes",
        mixinStandardHelpOptions = true,
        description = "List the built-in training recipes (vae train --recipe NAME).")
public final class RecipesCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    /** Creates the command (picocli instantiates it). */
    public RecipesCommand() {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        int width = Recipe.BUILT_IN.stream().mapToInt(String::length).max().orElse(0);
        for (String name : Recipe.BUILT_IN) {
            out.printf("%-" + width + "s  %s%n", name, Recipe.load(name).description());
        }
        out.println("(vae train --recipe NAME, or --recipe FILE.yaml for a recipe of your own)");
        out.println("stage 2, latent diffusion on a latent cache (vae train --recipe NAME --latents CACHE):");
        int stage2Width =
                Stage2Recipe.BUILT_IN.stream().mapToInt(String::length).max().orElse(0);
        for (String name : Stage2Recipe.BUILT_IN) {
            out.printf(
                    "%-" + stage2Width + "s  %s%n",
                    name,
                    Stage2Recipe.load(name).description());
        }
        out.flush();
        return 0;
    }
}
