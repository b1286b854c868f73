package dev.courier.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.courier.deploy.NotReadyException;
import dev.courier.deploy.ProgressWait;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
        assertEquals("registry.url=http://localhost:18081",
                child.awaitLine("registry.url=", 0, "echo did not print", ProgressWait.DEFAULT),
                "seen though the child exits right after printing it");
        assertEquals(OptionalInt.of(0), child.awaitExit(Duration.ofSeconds(60)));

        long before = child.logSize();
        NotReadyException exited = assertThrows(NotReadyException.class,
                () -> child.awaitLine("registry.url=", before, "echo did not print", ProgressWait.DEFAULT),
                "exited without writing it again: no wait, and the old line does not count");
        assertEquals("echo did not print: echo exited; see " + child.log(), exited.getMessage());

        child.restart();
        assertEquals("registry.url=http://localhost:18081",
                child.awaitLine("registry.url=", before, "echo did not print", ProgressWait.DEFAULT),
                "the restarted run's own line");
        child.close();
    }
}
