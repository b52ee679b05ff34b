package dev.vae4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vae4j.core.Vae4jException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Executable;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The exception contract of a library module, checked over its compiled classes and its sources: every exception type
 * it defines extends {@link Vae4jException}; no public or protected method or constructor it implements declares a
 * checked exception (other than {@link InterruptedException}); every {@code @throws} its javadoc promises is a
 * {@link Vae4jException} type or one of the argument and state errors ({@link #ALLOWED}); and its sources throw no
 * {@code UncheckedIOException} (I/O failures are {@code FileAccessException}s).
 */
public final class ModuleExceptions {
    /** The non-vae4j exceptions a public method may declare or document: bad arguments, bad state, interruption. */
    public static final Set<String> ALLOWED = Set.of(
            "IllegalArgumentException",
            "IllegalStateException",
            "UnsupportedOperationException",
            "IndexOutOfBoundsException",
            "NullPointerException",
            "InterruptedException");

    private static final Pattern THROWS = Pattern.compile("@throws\\s+([\\w.]+)");

    private ModuleExceptions() {}

    /**
     * Asserts that every top-level {@code *Exception} class in the classes folder holding {@code anchor} extends
     * {@link Vae4jException}; returns their names.
     */
    public static List<String> assertAllExtendTheBaseType(Class<?> anchor) {
        List<String> names = classNames(classesOf(anchor)).stream()
                .filter(n -> n.endsWith("Exception") && !n.contains("$"))
                .toList();
        for (String name : names) {
            assertTrue(Vae4jException.class.isAssignableFrom(load(name)), name + " must extend Vae4jException");
        }
        return names;
    }

    /**
     * Asserts the declared {@code throws} clauses of the module's public API (concrete public and protected methods and
     * constructors of public types) and the {@code @throws} tags of the javadoc under {@code sources} follow the
     * contract; returns how many methods and tags were checked.
     */
    public static int assertPublicApiFollowsTheContract(Class<?> anchor, Path sources) {
        Set<String> vae4jTypes = new HashSet<>();
        for (Path classes : List.of(classesOf(Vae4jException.class), classesOf(anchor))) {
            for (String name : classNames(classes)) {
                if (name.endsWith("Exception") && Vae4jException.class.isAssignableFrom(load(name))) {
                    vae4jTypes.add(name.substring(Math.max(name.lastIndexOf('.'), name.lastIndexOf('$')) + 1));
                }
            }
        }
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (String name : classNames(classesOf(anchor))) {
            Class<?> type = load(name);
            if (!isPublicApi(type)) {
                continue;
            }
            List<Executable> members = new ArrayList<>(List.of(type.getDeclaredConstructors()));
            members.addAll(List.of(type.getDeclaredMethods()));
            for (Executable member : members) {
                int modifiers = member.getModifiers();
                boolean api = Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
                if (!api || Modifier.isAbstract(modifiers) || member.isSynthetic()) {
                    continue; // abstract methods are callbacks: the caller's code implements them
                }
                checked++;
                for (Class<?> thrown : member.getExceptionTypes()) {
                    boolean ok =
                            Vae4jException.class.isAssignableFrom(thrown) || ALLOWED.contains(thrown.getSimpleName());
                    if (!ok) {
                        problems.add(name + "." + member.getName() + " declares " + thrown.getName());
                    }
                }
            }
        }
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    if (lines.get(i).contains("new UncheckedIOException(")) {
                        problems.add(sources.relativize(file) + ":" + (i + 1) + " throws UncheckedIOException");
                    }
                    Matcher m = THROWS.matcher(lines.get(i));
                    while (m.find()) {
                        checked++;
                        String simple = m.group(1).substring(m.group(1).lastIndexOf('.') + 1);
                        if (!vae4jTypes.contains(simple) && !ALLOWED.contains(simple)) {
                            problems.add(sources.relativize(file) + ":" + (i + 1) + " documents @throws " + simple);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertTrue(problems.isEmpty(), "the exception contract is broken:\n  " + String.join("\n  ", problems));
        return checked;
    }

    private static boolean isPublicApi(Class<?> type) {
        for (Class<?> t = type; t != null; t = t.getEnclosingClass()) {
            if (!Modifier.isPublic(t.getModifiers())) {
                return false;
            }
        }
        return !type.isAnonymousClass() && !type.isSynthetic();
    }

    private static Path classesOf(Class<?> anchor) {
        try {
            return Path.of(
                    anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The binary names of the classes in a classes folder or jar (anonymous classes left out). */
    private static List<String> classNames(Path classes) {
        List<String> entries;
        try {
            if (Files.isDirectory(classes)) {
                try (Stream<Path> files = Files.walk(classes)) {
                    entries = files.map(p -> classes.relativize(p).toString()).toList();
                }
            } else {
                try (JarFile jar = new JarFile(classes.toFile())) {
                    entries = jar.stream().map(JarEntry::getName).toList();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries.stream()
                .filter(n -> n.endsWith(".class")
                        && !n.endsWith("package-info.class")
                        && !n.endsWith("module-info.class")
                        && !n.startsWith("META-INF/"))
                .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
                .filter(n -> !n.matches(".*\\$\\d+.*"))
                .toList();
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, ModuleExceptions.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
