/**
 * The {@code vae} command line ({@link dev.vae4j.cli.VaeCli}): one picocli command per subcommand, each driving the
 * library modules; errors end in one {@code vae: error:} line.
 */
package dev.vae4j.cli;
