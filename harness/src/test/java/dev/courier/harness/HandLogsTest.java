package dev.courier.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandLogsTest {

    @TempDir
    Path dir;

    @Test
    void repeatsAreRawRedeliveriesAndOnlyFirstHandOffsCountForOrder() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), String.join("\n",
                "m1 bob 1 1000 c1 0",
                "m2 bob 1 1001 c1 1",
                "m3 bob 1 1002 c1 2") + "\n");
        // consumer b was handed m2 again after a crash (a repeat, not an order problem), then m5 of another
        // conversation, then m4 (seq 4) and, late, m3b (seq 3): one violation.
        Path b = Files.writeString(dir.resolve("b"), String.join("\n",
                "m2 bob 2 1005 c1 1",
                "m5 bob 1 1006 c2 0",
                "m4 bob 1 1007 c1 4",
                "m6 bob 1 1008 c1 3") + "\n");
        HandLogs logs = HandLogs.read(List.of(a, b, dir.resolve("missing")));
        assertEquals(1, logs.rawRedeliveries());
        assertEquals(1, logs.orderViolations());
    }

    @Test
    void linesWithoutSequenceNumbersNeverCountAsViolations() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "m2 bob 1 1000\nm1 bob 1 1001\n");
        assertEquals(0, HandLogs.read(List.of(a)).orderViolations());
    }

    @Test
    void oldLinesWithoutTheFlagReadAsNotFlaggedAndNewLinesCarryIt() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "m1 bob 1 1000 c1 0\nm1 bob 1 1001 c1 0 true\nm2 bob 1 1002\nm2 bob 1 1003 null -1 false\n");
        HandLogs logs = HandLogs.read(List.of(a));
        assertEquals(2, logs.rawRedeliveries());
        assertEquals(1, logs.duplicatesToApp(), "m2's second hand-off was not flagged; m1's was");
    }

    @Test
    void aLogThatDoesNotExistIsReportedMissing() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "m1 bob 1 1000 c1 0 false\n");
        assertEquals(List.of(dir.resolve("gone")), HandLogs.read(List.of(a, dir.resolve("gone"))).missing());
    }
}
