package dev.courier.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the harness knows a child it (re)started is ready: a line the child prints, in what this run of it wrote. */
class ChildJvmTest {

    @TempDir
    Path dir;

    /** The child: prints its arguments, one per line, and exits. */
    public static void main(String[] args) {
        for (String arg : args) {
            System.out.println(arg);
        }
    }

    @Test
    void aLineIsAwaitedInWhatTheProcessWroteSinceItStartedNotBefore() throws Exception {
        ChildJvm child = ChildJvm.start("echo", dir.resolve("echo.log"), "32m", ChildJvmTest.class.getName(),
                List.of("starting", "registry.url=http://localhost:18081"));
        assertEquals(Optional.of("registry.url=http://localhost:18081"),
                child.awaitLine("registry.url=", 0, Duration.ofSeconds(60)));
        assertEquals(OptionalInt.of(0), child.awaitExit(Duration.ofSeconds(60)));

        long before = child.logSize();
        assertEquals(Optional.empty(), child.awaitLine("registry.url=", before, Duration.ofSeconds(60)),
                "exited without writing it again: no wait for the timeout, and the old line does not count");

        child.restart();
        assertEquals(Optional.of("registry.url=http://localhost:18081"),
                child.awaitLine("registry.url=", before, Duration.ofSeconds(60)), "the restarted run's own line");
        child.close();
    }
}
