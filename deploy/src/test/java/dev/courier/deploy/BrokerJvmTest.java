package dev.courier.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerJvmTest {

    private final BrokerJvm jvm = new BrokerJvm("/opt/java/bin/java", "384m", "a.jar:b.jar");
    private final Path workDir = Path.of("/tmp/cluster");
    private final Path nodeDir = workDir.resolve("node-0");

    @Test
    void serverRunsKafkaWithBoundedHeapG1AndItsOwnLogConfig() {
        List<String> command = jvm.serverCommand(workDir, nodeDir, false, nodeDir.resolve("server.properties"));

        assertEquals("/opt/java/bin/java", command.get(0));
        assertTrue(command.contains("-Xmx384m"));
        assertTrue(command.contains("-XX:+UseG1GC"));
        assertTrue(command.contains("-Dlog4j2.configurationFile=/tmp/cluster/log4j2.properties"));
        assertTrue(command.contains("-Dkafka.logs.dir=/tmp/cluster/node-0/logs"));
        assertEquals("a.jar:b.jar", command.get(command.indexOf("-cp") + 1));
        assertEquals(List.of("kafka.Kafka", "/tmp/cluster/node-0/server.properties"),
                command.subList(command.size() - 2, command.size()));
    }

    @Test
    void aNodeThatMustOutliveItsLauncherRunsUnderSetsid(@TempDir Path bin) throws Exception {
        Path setsid = Files.createFile(bin.resolve("setsid"));
        assertTrue(setsid.toFile().setExecutable(true));

        List<String> command = jvm.serverCommand(workDir, nodeDir, true, nodeDir.resolve("server.properties"), setsid);

        assertEquals(List.of(setsid.toString(), "/opt/java/bin/java"), command.subList(0, 2));
        assertTrue(command.contains("kafka.Kafka"));
    }

    @Test
    void withoutSetsidTheNodeStartsInTheLaunchersSession(@TempDir Path bin) {
        List<String> command = jvm.serverCommand(workDir, nodeDir, true, nodeDir.resolve("server.properties"),
                bin.resolve("no-setsid-here"));

        assertEquals("/opt/java/bin/java", command.get(0));
    }

    @Test
    void aNodeThatNeedNotOutliveItsLauncherNeverUsesSetsid(@TempDir Path bin) throws Exception {
        Path setsid = Files.createFile(bin.resolve("setsid"));
        assertTrue(setsid.toFile().setExecutable(true));

        List<String> command = jvm.serverCommand(workDir, nodeDir, false, nodeDir.resolve("server.properties"), setsid);

        assertEquals("/opt/java/bin/java", command.get(0));
    }

    @Test
    void toolsRunWithTheQuickCompilerOnly() {
        List<String> command = jvm.toolCommand(workDir, nodeDir, BrokerJvm.STORAGE_TOOL_MAIN, "format", "-c", "x");

        assertTrue(command.contains("-XX:TieredStopAtLevel=1"));
        assertFalse(command.contains("-XX:+UseG1GC"));
        assertEquals(List.of(BrokerJvm.STORAGE_TOOL_MAIN, "format", "-c", "x"),
                command.subList(command.size() - 4, command.size()));
    }

    @Test
    void log4jWritesInfoToARollingFileAndWarningsToStdout() {
        String config = BrokerJvm.log4j2Config();

        assertTrue(config.contains("appender.file.type = RollingFile"));
        assertTrue(config.contains("rootLogger.level = INFO"));
        assertTrue(config.contains("rootLogger.appenderRef.stdout.level = WARN"));
        assertTrue(config.contains("shutdownHook = disable"));
    }
}
