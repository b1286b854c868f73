package dev.courier.harness;

import dev.courier.deploy.ProgressWait;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A Courier command ({@code courier registry|tracker|consumer ...}) running in its own JVM, so
 * that the demo and the tests can kill it with SIGKILL, the way a machine or a process really dies. The
 * command line's main class is the caller's (the CLI's {@code Courier}): the harness does not depend on the CLI.
 * A {@link ProgressWait.Watched} process: waits for what it does end at once if it exits.
 */
public final class ChildJvm implements AutoCloseable, ProgressWait.Watched {

    private final String name;
    private final List<String> command;
    private final Path log;
    private Process process;

    private ChildJvm(String name, List<String> command, Path log) {
        this.name = name;
        this.command = command;
        this.log = log;
    }

    /** Starts {@code <mainClass> <args>} in a new JVM with this JVM's classpath; output goes to {@code log}. */
    public static ChildJvm start(String name, Path log, String heap, String mainClass, List<String> args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap);
        command.add("-XX:+UseSerialGC");
        // Its log file beside its output file, not the parent's (one writer per rolling file).
        command.add("-Dcourier.log.dir=" + log.toAbsolutePath().getParent().resolve(name + "-logs"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        ChildJvm child = new ChildJvm(name, List.copyOf(command), log);
        child.launch();
        return child;
    }

    private void launch() throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    @Override
    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Its output (stdout and stderr); its log file with stack traces is beside it, in {@code <name>-logs/}. */
    @Override
    public Path log() {
        return log;
    }

    @Override
    public Duration cpuTime() {
        return ProgressWait.Watched.cpuTimeOf(process.toHandle());
    }

    /** How many bytes its log has now: where what it writes next starts (see {@link #awaitLine}). */
    public long logSize() throws IOException {
        return Files.exists(log) ? Files.size(log) : 0;
    }

    /**
     * Waits on {@code wait} for a line starting with {@code prefix} in its log at or after byte {@code from} (what this
     * run of the process wrote, when {@code from} is {@link #logSize()} before it started), and returns the line. A
     * line written just before the process exited still counts.
     *
     * @param failure the sentence's start if it does not come ("the schema registry was not ready")
     * @throws dev.courier.deploy.NotReadyException if it exits without writing it, or neither its log nor its CPU time
     *                                              moved for the wait's stall bound
     */
    public String awaitLine(String prefix, long from, String failure, ProgressWait wait)
            throws InterruptedException {
        AtomicReference<String> found = new AtomicReference<>();
        wait.await(failure, log.toString(), List.of(this), () -> {
            Optional<String> line = findLine(prefix, from);
            line.ifPresent(found::set);
            return line.isPresent() ? ProgressWait.Look.ready()
                    : ProgressWait.Look.notYet("starting", "no line starting with " + prefix + " in its log yet");
        });
        return found.get();
    }

    private Optional<String> findLine(String prefix, long from) throws IOException {
        if (!Files.exists(log)) {
            return Optional.empty();
        }
        try (InputStream in = Files.newInputStream(log)) {
            in.skipNBytes(Math.min(from, Files.size(log)));
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            return reader.lines().filter(l -> l.startsWith(prefix)).findFirst();
        }
    }

    /** Waits up to {@code timeout} for the process to end by itself; its exit code, or empty if still running. */
    public java.util.OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                ? java.util.OptionalInt.of(process.exitValue()) : java.util.OptionalInt.empty();
    }

    /** SIGKILL: no shutdown hook, no flush, no goodbye to the group coordinator. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Starts the same command again (after {@link #kill()} or a crash), appending to the same log. */
    public void restart() throws IOException {
        if (process.isAlive()) {
            throw new IllegalStateException(name + " is still running (pid " + process.pid() + ")");
        }
        launch();
    }

    /** Graceful stop (SIGTERM, so shutdown hooks run), then SIGKILL after a grace period. */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
