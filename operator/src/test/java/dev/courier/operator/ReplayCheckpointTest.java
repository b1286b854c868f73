package dev.courier.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayCheckpointTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsAndReplacesTheFileWithoutLeavingATempFile() throws Exception {
        Path file = dir.resolve("sub/replay.json");
        assertTrue(ReplayCheckpoint.load(file).isEmpty(), "no file: a fresh replay");
        ReplayCheckpoint first = new ReplayCheckpoint("r1", "courier.send", Map.of(0, 10L, 1, 5L), Map.of(0, 20L, 1, 5L),
                Map.of(0, 100L));
        first.save(file);
        ReplayCheckpoint second = new ReplayCheckpoint("r1", "courier.send", Map.of(0, 15L, 1, 5L), Map.of(0, 20L, 1, 5L),
                Map.of(0, 104L, 3, 7L));
        second.save(file);
        assertEquals(second, ReplayCheckpoint.load(file).orElseThrow());
        assertEquals(5, second.remaining());
        assertFalse(Files.exists(dir.resolve("sub/replay.json.tmp")));
    }

    @Test
    void aFileThatIsNotACheckpointIsAUsageError() throws Exception {
        Path file = Files.writeString(dir.resolve("x.json"), "not json");
        assertThrows(IllegalArgumentException.class, () -> ReplayCheckpoint.load(file));
    }
}
