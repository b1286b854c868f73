package dev.courier.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a node's JVM is launched: which {@code java}, with which heap, from which classpath. The classpath
 * is the one Maven resolved for {@code kafka_2.13} (the {@code broker.classpath} resource written at
 * build time), so a node runs exactly the Kafka jars the build pinned, as the distribution's
 * {@code kafka-server-start.sh} would run them.
 */
record BrokerJvm(String java, String heap, String classpath) {

    static final String BROKER_MAIN = "kafka.Kafka";
    static final String STORAGE_TOOL_MAIN = "kafka.tools.StorageTool";
    static final String LOG4J2_FILE = "log4j2.properties";

    private static final Logger log = LoggerFactory.getLogger(BrokerJvm.class);
    private static final String CLASSPATH_RESOURCE = "broker.classpath";
    private static final Pattern HEAP = Pattern.compile("\\d+[kKmMgG]");
    /** setsid(1) starts a program in a new session: no terminal hang-up or Ctrl-C of the launcher reaches it. */
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    BrokerJvm {
        Objects.requireNonNull(java, "java");
        Objects.requireNonNull(classpath, "classpath");
        if (heap == null || !HEAP.matcher(heap).matches()) {
            throw new IllegalArgumentException("broker heap must look like 384m or 1g, got " + heap);
        }
    }

    /** The {@code java} running this JVM, and the build's broker classpath. */
    static BrokerJvm forThisJvm(String heap) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new BrokerJvm(java, heap, brokerClasspath());
    }

    private static String brokerClasspath() {
        try (InputStream in = BrokerJvm.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in != null) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + CLASSPATH_RESOURCE, e);
        }
        log.info("Resource {} not found; brokers run from this JVM's java.class.path", CLASSPATH_RESOURCE);
        return System.getProperty("java.class.path");
    }

    /**
     * The command line of a node's broker JVM: bounded heap, G1 with the GC settings of Kafka's own
     * {@code kafka-run-class.sh}, and log4j2 configured from {@code <workDir>/log4j2.properties} writing to
     * {@code <nodeDir>/logs}.
     *
     * @param ownSession run under {@code setsid} so the node outlives the launching process's terminal
     *                   session (for nodes that must keep running after a CLI exits)
     */
    List<String> serverCommand(Path workDir, Path nodeDir, boolean ownSession, Path serverProperties) {
        return serverCommand(workDir, nodeDir, ownSession, serverProperties, SETSID);
    }

    /** {@link #serverCommand(Path, Path, boolean, Path)} with {@code setsid} found at {@code setsid}, or not. */
    List<String> serverCommand(Path workDir, Path nodeDir, boolean ownSession, Path serverProperties, Path setsid) {
        List<String> command = new ArrayList<>();
        if (ownSession) {
            if (Files.isExecutable(setsid)) {
                command.add(setsid.toString());
            } else {
                log.warn("{} not found: nodes stay in the launcher's session and may get its hang-up signal", setsid);
            }
        }
        command.add(java);
        command.add("-Xmx" + heap);
        command.add("-XX:+UseG1GC");
        command.add("-XX:MaxGCPauseMillis=20");
        command.add("-XX:InitiatingHeapOccupancyPercent=35");
        command.add("-XX:+ExplicitGCInvokesConcurrent");
        // A node that ran out of heap is broken; better dead (and seen as dead) than limping.
        command.add("-XX:+ExitOnOutOfMemoryError");
        command.addAll(commonOptions(workDir, nodeDir));
        command.add(BROKER_MAIN);
        command.add(serverProperties.toAbsolutePath().toString());
        return command;
    }

    /**
     * The command line of a short-lived Kafka tool run for a node (e.g. the storage format): the C1
     * compiler only, which starts a tool faster and burns less of a small machine's CPU than C2.
     */
    List<String> toolCommand(Path workDir, Path nodeDir, String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-Xmx" + heap);
        command.add("-XX:TieredStopAtLevel=1");
        command.addAll(commonOptions(workDir, nodeDir));
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }

    private List<String> commonOptions(Path workDir, Path nodeDir) {
        return List.of(
                "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + workDir.resolve(LOG4J2_FILE).toAbsolutePath(),
                "-Dkafka.logs.dir=" + nodeDir.resolve("logs").toAbsolutePath(),
                "-cp",
                classpath);
    }

    /**
     * log4j2 configuration shared by all nodes: everything from INFO up to a size-rolled
     * {@code logs/server.log}, WARN and above also to standard output (which the launcher sends to
     * {@code stdout.log}).
     */
    static String log4j2Config() {
        return """
                # Written by dev.courier.deploy.LocalCluster for its Kafka nodes.
                status = warn
                name = courier-local-node
                # Kafka shuts down in its own shutdown hook; log4j's hook would stop logging before that.
                shutdownHook = disable

                appender.file.type = RollingFile
                appender.file.name = file
                appender.file.fileName = ${sys:kafka.logs.dir}/server.log
                appender.file.filePattern = ${sys:kafka.logs.dir}/server.log.%i
                appender.file.layout.type = PatternLayout
                appender.file.layout.pattern = [%d] %p %m (%c)%n
                appender.file.policies.type = Policies
                appender.file.policies.size.type = SizeBasedTriggeringPolicy
                appender.file.policies.size.size = 20MB
                appender.file.strategy.type = DefaultRolloverStrategy
                appender.file.strategy.max = 5

                appender.stdout.type = Console
                appender.stdout.name = stdout
                appender.stdout.target = SYSTEM_OUT
                appender.stdout.layout.type = PatternLayout
                appender.stdout.layout.pattern = [%d] %p %m (%c)%n

                rootLogger.level = INFO
                rootLogger.appenderRef.file.ref = file
                rootLogger.appenderRef.stdout.ref = stdout
                rootLogger.appenderRef.stdout.level = WARN
                """;
    }
}
