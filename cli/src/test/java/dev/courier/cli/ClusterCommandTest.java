package dev.courier.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Exit codes and messages of the command where no cluster runs. */
class ClusterCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine command = new CommandLine(new ClusterCommand());
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        return command.execute(args);
    }

    @Test
    void everyCommandOnAnEmptyDirectorySaysThereIsNoCluster() {
        String empty = dir.resolve("none").toString();
        for (String[] args : new String[][] {
                {"status", "--dir", empty}, {"stop", "--dir", empty}, {"kill", "--dir", empty, "0"},
                {"restart", "--dir", empty, "1"}}) {
            assertEquals(ClusterCommand.EXIT_NO_CLUSTER, run(args), String.join(" ", args));
        }
        assertTrue(err.toString().contains("error: no cluster at " + empty + ": cluster.json not found;"
                + " run `courier cluster start` first"), err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(ClusterCommand.EXIT_USAGE, run());
        assertEquals(ClusterCommand.EXIT_USAGE, run("kill"));
        assertEquals(ClusterCommand.EXIT_USAGE, run("start", "--dir", dir.toString(), "--partitions", "0"));
        assertEquals(ClusterCommand.EXIT_USAGE, run("start", "--dir", dir.toString(), "--nodes", "0"));
        assertEquals(ClusterCommand.EXIT_USAGE, run("status", "--no-such-option"));
    }
}
