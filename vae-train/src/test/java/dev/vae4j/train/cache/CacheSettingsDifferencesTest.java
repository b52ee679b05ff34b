package dev.vae4j.train.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A resumed cache written with other settings is reported by the keys that differ, not as two JSON blobs. */
class CacheSettingsDifferencesTest {
    @Test
    void namesOnlyTheDifferingKeys() {
        String before =
                "{\"resolution\": 256, \"flip\": false, \"scaling\": {\"scaling_factor\": 0.18215}, \"inputs\": 9}";
        String now =
                "{\"resolution\": 512, \"flip\": false, \"scaling\": {\"scaling_factor\": 0.13025}, \"inputs\": 9}";
        assertEquals(
                "resolution: 256 -> 512, scaling.scaling_factor: 0.18215 -> 0.13025",
                SettingsDifferences.between(before, now));
        assertEquals("flip: null -> true", SettingsDifferences.between("{}", "{\"flip\": true}"));
        assertTrue(SettingsDifferences.between("not json", "{}").startsWith("unreadable settings"));
    }
}
