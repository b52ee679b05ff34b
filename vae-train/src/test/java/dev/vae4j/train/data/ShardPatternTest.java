package dev.vae4j.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ShardPattern}: braces expand in order; a pattern naming too many files fails at once, naming what was typed.
 */
class ShardPatternTest {
    @Test
    void rangesAndListsExpandInPatternOrder() {
        assertEquals(
                List.of(Path.of("a/s-08.tar"), Path.of("a/s-09.tar"), Path.of("a/s-10.tar"), Path.of("b/x.tar")),
                ShardPattern.expand(
                        "a/s-{08..10}.tar::b/{x}.tar".replace("{x}", "{x,}").replace("{x,}", "x")));
        assertEquals(4, ShardPattern.expand("{a,b}-{0..1}.tar").size());
    }

    @Test
    void aPatternOfABillionNamesFailsAtOnceNamingThePatternTyped() {
        String pattern = "shards/{0..9999}{0..9999}{0..9999}.tar";
        // counted, not expanded: the message names the pattern as typed, not a half-expanded file name
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShardPattern.expand(pattern));
        assertEquals("shard pattern " + pattern + " names more than 1000000 files", e.getMessage());
        IllegalArgumentException bad =
                assertThrows(IllegalArgumentException.class, () -> ShardPattern.expand("s-{3..1}.tar"));
        assertTrue(bad.getMessage().contains("bad range {3..1}"), bad.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ShardPattern.expand("s-{1..2.tar"))
                .getMessage()
                .contains("unbalanced or nested braces"));
    }

    @Test
    void aBoundBeyondALongOrAnInvalidPathFailsNamingThePattern() {
        String huge = "s-{0..99999999999999999999}.tar";
        IllegalArgumentException bound = assertThrows(IllegalArgumentException.class, () -> ShardPattern.expand(huge));
        assertEquals(
                "bad range {0..99999999999999999999} in shard pattern " + huge + ": bound 99999999999999999999 exceeds "
                        + Long.MAX_VALUE,
                bound.getMessage());
        // a NUL character (the fuzz target's first finding) failed with InvalidPathException naming only the path
        String nul = "{a\0,b}{0..3}.tar";
        IllegalArgumentException path = assertThrows(IllegalArgumentException.class, () -> ShardPattern.expand(nul));
        assertTrue(path.getMessage().startsWith("shard pattern " + nul + " names an invalid path"), path.getMessage());
    }

    @Test
    void eachGroupIsExpandedOnceAndGroupsDoNotNest() {
        // a million names (the limit): the inner range's values are built once, not once per outer value (a 12-byte
        // pattern of ten million names, the former limit, took 41 s and 2 GB; the fuzz campaign's slow inputs)
        List<Path> paths = ShardPattern.expand("{0..999}/{000..999}");
        assertEquals(1_000_000, paths.size());
        assertEquals(Path.of("0/000"), paths.get(0));
        assertEquals(Path.of("0/001"), paths.get(1));
        assertEquals(Path.of("999/999"), paths.get(999_999));
        String nested = "x{a{b,c},d}.tar";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShardPattern.expand(nested));
        assertTrue(e.getMessage().startsWith("unbalanced or nested braces in shard pattern " + nested), e.getMessage());
    }
}
