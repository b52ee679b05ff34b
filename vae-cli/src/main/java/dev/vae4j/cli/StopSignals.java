package dev.vae4j.cli;

import dev.vae4j.train.StopRequest;
import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM (what Slurm and Kubernetes send before they kill a job) and SIGINT (Ctrl-C) turned into a graceful stop while
 * a long command runs: the handler only calls back (usually to make a {@link StopRequest}) and returns; the command's
 * loop finishes its unit of work (a training step and its checkpoint, a cache batch), the command prints what it kept
 * and returns, and {@code vae} exits with {@link #exitCode()}, 128 + the signal number (143, 130) as the JVM's default
 * action would have, with nothing cut short. Closing restores the previous handlers.
 *
 * <p>Why a signal handler rather than a shutdown hook: the JVM runs shutdown hooks only after it has begun to exit, all
 * at once, and halts as soon as they return, so a hook that wanted the step finished would have to hold the exit open
 * while the training thread keeps driving libtorch beside the other hooks, and the exit status would be fixed before
 * the command knew whether it had anything to save. The handlers are {@code sun.misc.Signal}'s (module
 * {@code jdk.unsupported}, exported for this use), reached through reflection because javac's warning about that class
 * cannot be suppressed; where they are unavailable (a JVM started with {@code -Xrs}) the default action stays and the
 * process exits at once.
 *
 * <p>A repeated signal goes to the {@code onRepeat} callback: a process alone exits at once (a second Ctrl-C ends a run
 * that takes too long to reach its step boundary); a worker of a distributed job ignores it, because it usually gets
 * each signal twice (from the terminal or the scheduler, which signal the whole process group, and again from
 * {@code vae launch}, which forwards it).
 */
final class StopSignals implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);
    /** The exit code of a command stopped by SIGTERM (128 + 15), also used when another rank's signal stopped it. */
    static final int SIGTERM_EXIT = 143;
    /** The exit code of a command stopped by SIGINT (128 + 2). */
    static final int SIGINT_EXIT = 130;

    private static final String[] NAMES = {"TERM", "INT"};

    /** A signal as received: {@code SIGTERM}, 143. */
    record Received(String name, int exitCode) {}

    private final AtomicReference<Received> first = new AtomicReference<>();
    private final Map<Object, Object> previous = new LinkedHashMap<>();
    private Method handle;

    private StopSignals() {}

    /**
     * Installs handlers for SIGTERM and SIGINT: the first signal goes to {@code onFirst}, every later one to
     * {@code onRepeat} (both run on the JVM's signal thread and must return quickly).
     */
    static StopSignals install(Consumer<Received> onFirst, Consumer<Received> onRepeat) {
        StopSignals signals = new StopSignals();
        signals.installHandlers(onFirst, onRepeat);
        return signals;
    }

    /**
     * Handlers that make {@code stop} on the first signal, saying so on {@code err}; a repeat exits at once unless
     * {@code distributed} (see the class comment).
     */
    static StopSignals requestingStop(StopRequest stop, PrintWriter err, boolean distributed, String whatHappens) {
        return install(
                received -> {
                    stop.request(received.name());
                    err.println("vae: " + received.name() + " received: " + whatHappens
                            + (distributed ? "" : " (signal again to exit at once)"));
                    err.flush();
                },
                received -> {
                    if (!distributed) {
                        err.println("vae: " + received.name() + " received again: exiting without saving");
                        err.flush();
                        System.exit(received.exitCode());
                    }
                });
    }

    /** The first signal received, if any. */
    Optional<Received> received() {
        return Optional.ofNullable(first.get());
    }

    /** The exit code of a command that stopped early: the first signal's, else {@link #SIGTERM_EXIT}. */
    int exitCode() {
        return received().map(Received::exitCode).orElse(SIGTERM_EXIT);
    }

    /** Restores the handlers that were in place before. */
    @Override
    public void close() {
        previous.forEach((signal, handler) -> {
            try {
                handle.invoke(null, signal, handler);
            } catch (ReflectiveOperationException | IllegalArgumentException e) {
                LOG.debug("cannot restore the handler of {}: {}", signal, e.toString());
            }
        });
        previous.clear();
    }

    private void installHandlers(Consumer<Received> onFirst, Consumer<Received> onRepeat) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            handle = signalClass.getMethod("handle", signalClass, handlerClass);
            Method name = signalClass.getMethod("getName");
            Method number = signalClass.getMethod("getNumber");
            InvocationHandler dispatch = (proxy, method, args) -> switch (method.getName()) {
                case "handle" -> {
                    Received received = new Received("SIG" + name.invoke(args[0]), 128 + (int) number.invoke(args[0]));
                    if (first.compareAndSet(null, received)) {
                        onFirst.accept(received);
                    } else {
                        onRepeat.accept(received);
                    }
                    yield null;
                }
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> "vae stop-signal handler";
            };
            Object handler =
                    Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[] {handlerClass}, dispatch);
            for (String signalName : NAMES) {
                try {
                    Object signal = signalClass.getConstructor(String.class).newInstance(signalName);
                    previous.put(signal, handle.invoke(null, signal, handler));
                } catch (InvocationTargetException e) {
                    unavailable("SIG" + signalName, e.getCause());
                }
            }
        } catch (ReflectiveOperationException | IllegalArgumentException | LinkageError e) {
            unavailable("SIGTERM and SIGINT", e);
        }
    }

    private static void unavailable(String signals, Throwable why) {
        LOG.warn("{} will end the process at once (no graceful stop): {}", signals, why.toString());
    }
}
