package dev.courier.deploy;

import dev.courier.deploy.ClusterState.NodeState;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's files and JVM process, controlled by pid through {@link ProcessHandle} whether this JVM
 * launched it or found it in {@code cluster.json}.
 *
 * <p>Files under {@code <workDir>/node-<i>/}: {@code server.properties}, {@code data/} (log dir and
 * KRaft metadata log), {@code logs/server.log} (log4j2, INFO), {@code stdout.log} (WARN and above),
 * {@code stderr.log}, {@code format.log} (output of the storage format).
 */
final class KafkaNode implements ProgressWait.Watched {

    static final String ELR_FEATURE = "eligible.leader.replicas.version";
    static final String FORMAT_LOG = "format.log";

    private static final Logger log = LoggerFactory.getLogger(KafkaNode.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);

    private final Path workDir;
    private final NodeState layout;
    private final Path dir;
    private final BrokerJvm jvm;
    private final boolean ownSession;
    private volatile ProcessHandle process;

    /**
     * @param ownSession launch in a new session so the node outlives the launcher (see {@link BrokerJvm#serverCommand})
     */
    KafkaNode(Path workDir, NodeState layout, BrokerJvm jvm, boolean ownSession) {
        this.workDir = workDir;
        this.layout = layout;
        this.dir = workDir.resolve(layout.dir());
        this.jvm = jvm;
        this.ownSession = ownSession;
        this.process = layout.pid() > 0 ? ProcessHandle.of(layout.pid()).filter(this::runsThisNode).orElse(null) : null;
    }

    int index() {
        return layout.index();
    }

    int brokerPort() {
        return layout.brokerPort();
    }

    int controllerPort() {
        return layout.controllerPort();
    }

    Path dir() {
        return dir;
    }

    Path serverProperties() {
        return dir.resolve(ServerProperties.FILE_NAME);
    }

    /** The layout with the current pid, for {@code cluster.json}. */
    NodeState state() {
        ProcessHandle current = process;
        return new NodeState(layout.index(), layout.dir(), layout.brokerPort(), layout.controllerPort(),
                current == null ? 0 : current.pid());
    }

    boolean isRunning() {
        ProcessHandle current = process;
        return current != null && current.isAlive();
    }

    @Override
    public String name() {
        return toString();
    }

    @Override
    public boolean isAlive() {
        return isRunning();
    }

    /** {@code logs/server.log}: INFO and above. */
    @Override
    public Path log() {
        return dir.resolve("logs").resolve("server.log");
    }

    @Override
    public Duration cpuTime() {
        ProcessHandle current = process;
        return current == null ? Duration.ZERO : ProgressWait.Watched.cpuTimeOf(current);
    }

    /** @throws IllegalStateException if the node is not running */
    long pid() {
        ProcessHandle current = process;
        if (current == null || !current.isAlive()) {
            throw new IllegalStateException("node " + index() + " is not running");
        }
        return current.pid();
    }

    /**
     * Starts {@code kafka-storage format} for this node: static voters (no {@code --standalone}), and
     * eligible leader replicas (KIP-966) pinned on. ELR is a feature level in Kafka 4, not a broker config;
     * 4.4 already defaults it to 1, naming it here keeps the promise from depending on that default.
     * {@code extraArguments}, e.g. {@code --add-scram}, are appended.
     */
    Process startFormat(String clusterId, List<String> extraArguments) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("format",
                "--cluster-id", clusterId, "--config", serverProperties().toAbsolutePath().toString(),
                "--feature", ELR_FEATURE + "=1"));
        args.addAll(extraArguments);
        List<String> command = jvm.toolCommand(workDir, dir, BrokerJvm.STORAGE_TOOL_MAIN, args.toArray(String[]::new));
        return new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(FORMAT_LOG).toFile())
                .start();
    }

    boolean isFormatted() {
        return Files.isRegularFile(dir.resolve(ServerProperties.DATA_DIR).resolve("meta.properties"));
    }

    /** Launches the node's JVM and returns at once; readiness is the cluster's business. */
    void launch() {
        if (isRunning()) {
            throw new IllegalStateException("node " + index() + " is already running as pid " + process.pid());
        }
        List<String> command = jvm.serverCommand(workDir, dir, ownSession, serverProperties());
        try {
            Process started = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("stderr.log").toFile()))
                    .start();
            process = started.toHandle();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot launch node " + index(), e);
        }
        log.info("Node {} launched: pid {}, broker port {}, controller port {}, dir {}",
                index(), process.pid(), brokerPort(), controllerPort(), dir);
    }

    /** kill -9, then wait until the process is gone. */
    void kill(Duration timeout) {
        ProcessHandle current = process;
        if (current == null || !current.isAlive()) {
            return;
        }
        log.info("Node {}: kill -9 pid {}", index(), current.pid());
        current.destroyForcibly();
        if (!awaitExit(current, timeout)) {
            throw new IllegalStateException("node " + index() + " (pid " + current.pid() + ") still alive "
                    + timeout.toSeconds() + " s after kill -9");
        }
    }

    /** Sends SIGTERM (Kafka shuts down cleanly on it) and returns at once. */
    void terminate() {
        ProcessHandle current = process;
        if (current != null && current.isAlive()) {
            log.info("Node {}: SIGTERM pid {}", index(), current.pid());
            current.destroy();
        }
    }

    /** @return true if the node is not running (any more) within {@code timeout} */
    boolean awaitExit(Duration timeout) {
        ProcessHandle current = process;
        return current == null || awaitExit(current, timeout);
    }

    private static boolean awaitExit(ProcessHandle handle, Duration timeout) {
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot wait for pid " + handle.pid(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for pid " + handle.pid(), e);
        }
    }

    boolean acceptsConnections() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("localhost", brokerPort()), (int) CONNECT_TIMEOUT.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * For the log file: the last warnings and errors ({@code stdout.log}), the last lines of the full server log and of
     * stderr, and where the whole log is.
     */
    @Override
    public String logTail() {
        StringBuilder tail = new StringBuilder();
        appendTail(tail, dir.resolve("stdout.log"), "warnings and errors", 40);
        appendTail(tail, log(), "server log", 15);
        appendTail(tail, dir.resolve("stderr.log"), "stderr", 15);
        return tail.append("\n(full log of ").append(this).append(": ").append(log()).append(')').toString();
    }

    private static void appendTail(StringBuilder out, Path file, String what, int lines) {
        if (Files.isRegularFile(file)) {
            out.append("\n--- ").append(what).append(", last lines of ").append(file).append(" ---\n")
                    .append(ProgressWait.tail(file, lines));
        }
    }

    /** Guards against pid reuse: a recorded pid only counts if that process runs this node's config. */
    private boolean runsThisNode(ProcessHandle handle) {
        String config = serverProperties().toAbsolutePath().toString();
        boolean matches = handle.isAlive()
                && handle.info().arguments().map(args -> Arrays.asList(args).contains(config)).orElse(true);
        if (!matches) {
            log.debug("Node {}: pid {} does not run {}; treating the node as stopped", index(), handle.pid(), config);
        }
        return matches;
    }

    @Override
    public String toString() {
        return "node " + index();
    }
}
