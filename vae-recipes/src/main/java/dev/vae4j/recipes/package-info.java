/**
 * YAML training recipes ({@link dev.vae4j.recipes.Recipe}: the built-in ones under {@code recipes/} and files of the
 * same shape) turned into a training session with its objective, discriminator, data and run folder.
 */
package dev.vae4j.recipes;
