package dev.courier.deploy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one wait for something starting on a busy machine (cluster nodes, topics, the registry, a pipeline's groups):
 * it goes on while there is progress and fails with one sentence ({@link NotReadyException}) when nothing moved for
 * the stall bound, when the absolute cap runs out, or at once when a watched process exits.
 *
 * <p>Progress is a change in what the probe reports ({@link Look#progress()}) or in a watched process: its log
 * growing, or, while its log is still empty, its CPU time (a JVM booting on a loaded machine writes nothing for a
 * while). A probe that got no answer in time ({@link TimeoutException}, or a Kafka {@link RetriableException}, however
 * wrapped) is asked again; that is not progress. A watched process that exited fails the wait after one more look
 * (what it wrote before exiting may be what was awaited). Log tails and each change of state go to this class's
 * logger (the command line sends it to the log file only), never into the sentence.
 */
public final class ProgressWait {

    public static final Duration DEFAULT_STALL = Duration.ofSeconds(60);
    public static final Duration DEFAULT_CAP = Duration.ofMinutes(10);
    private static final Duration DEFAULT_INTERVAL = Duration.ofMillis(250);
    /** 60 s without progress, 10 minutes in all. */
    public static final ProgressWait DEFAULT = new ProgressWait(DEFAULT_STALL, DEFAULT_CAP);

    private static final Logger log = LoggerFactory.getLogger(ProgressWait.class);
    private static final int TAIL_LINES = 40;
    private static final int TAIL_BYTES = 8 * 1024;

    private final Duration stall;
    private final Duration cap;
    private final Duration interval;
    private final Clock clock;

    public ProgressWait(Duration stall, Duration cap) {
        this(stall, cap, DEFAULT_INTERVAL, Clock.SYSTEM);
    }

    /** {@code interval}: between two looks; {@code clock}: {@link Clock#SYSTEM}, or a fake one in tests. */
    public ProgressWait(Duration stall, Duration cap, Duration interval, Clock clock) {
        if (stall.isNegative() || stall.isZero() || cap.compareTo(stall) < 0) {
            throw new IllegalArgumentException("need 0 < stall <= cap, got stall " + stall + ", cap " + cap);
        }
        this.stall = stall;
        this.cap = cap;
        this.interval = Objects.requireNonNull(interval, "interval");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public Duration stall() {
        return stall;
    }

    public Duration cap() {
        return cap;
    }

    /** Time as the wait sees it. */
    public interface Clock {
        Clock SYSTEM = new Clock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleep(Duration duration) throws InterruptedException {
                TimeUnit.NANOSECONDS.sleep(duration.toNanos());
            }
        };

        long nanoTime();

        void sleep(Duration duration) throws InterruptedException;
    }

    /** Time that passes only when a wait sleeps or its owner says so: for tests of what waits. */
    public static final class ManualClock implements Clock {
        private long nanos;

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public void sleep(Duration duration) {
            advance(duration);
        }

        public void advance(Duration duration) {
            nanos += duration.toNanos();
        }

        /** Whole seconds passed since it was made. */
        public long seconds() {
            return Duration.ofNanos(nanos).toSeconds();
        }
    }

    /** A process whose exit ends the wait at once, and whose log (or CPU time, before it logs) is progress. */
    public interface Watched {
        /** As the sentence names it: "node 1", "tracker-0". */
        String name();

        boolean isAlive();

        /** Its log: growth is progress, and the sentence points to it. */
        Path log();

        /** CPU time used so far (zero if unknown); progress while {@link #log()} is still empty. */
        default Duration cpuTime() {
            return Duration.ZERO;
        }

        /** What goes to the log file when it exits or stalls: the last lines of {@link #log()}. */
        default String logTail() {
            return tail(log(), TAIL_LINES);
        }

        /** The CPU time {@code process} used so far, zero if the system does not say. */
        static Duration cpuTimeOf(ProcessHandle process) {
            return process.info().totalCpuDuration().orElse(Duration.ZERO);
        }
    }

    /**
     * One look at what is awaited: done, or not yet and where it stands.
     *
     * @param progress any value that changes when it advances (a stage, a count); compared with {@code equals}
     * @param state    where it stands, in words, for the failure sentence ("node 2 does not accept connections")
     */
    public record Look(boolean done, Object progress, String state) {
        private static final Look READY = new Look(true, null, "ready");

        public static Look ready() {
            return READY;
        }

        public static Look notYet(Object progress, String state) {
            return new Look(false, progress, state);
        }
    }

    /** Looks once; a thrown timeout or retriable Kafka error is asked again, any other exception ends the wait. */
    @FunctionalInterface
    public interface Probe {
        Look look() throws Exception;
    }

    /**
     * Returns once {@code probe} says done.
     *
     * @param failure what did not happen, as the sentence starts ("3 Kafka nodes did not become ready")
     * @param see     where to look when it did not (a log file, a directory, a glob)
     * @param watched processes whose exit fails the wait at once
     * @throws NotReadyException when a watched process exits, nothing moved for the stall bound, or the cap ran out
     */
    public void await(String failure, String see, List<? extends Watched> watched, Probe probe)
            throws InterruptedException {
        long start = clock.nanoTime();
        long movedAt = start;
        List<Object> last = null;
        Object probed = null;
        String state = null;
        Exception unanswered = null;
        while (true) {
            // Who had exited before the look: what one wrote just before exiting is still seen by the look.
            Watched exited = watched.stream().filter(process -> !process.isAlive()).findFirst().orElse(null);
            try {
                Look look = probe.look();
                if (look.done()) {
                    return;
                }
                if (exited != null) {
                    throw exited(exited, failure);
                }
                if (!look.state().equals(state)) {
                    log.info("{} yet: {}", failure, look.state());
                }
                probed = look.progress();
                state = look.state();
                unanswered = null;
            } catch (InterruptedException e) {
                throw e;
            } catch (NotReadyException e) {
                throw e;
            } catch (Exception e) {
                if (exited != null) {
                    throw exited(exited, failure);
                }
                if (!isRetriable(e)) {
                    throw unchecked(e, failure);
                }
                if (unanswered == null) {
                    log.info("{} yet; no answer, asking again: {}", failure, e.toString());
                }
                unanswered = e;
            }
            List<Object> now = new ArrayList<>();
            now.add(probed);
            watched.forEach(process -> now.add(progressOf(process)));
            long at = clock.nanoTime();
            if (!now.equals(last)) {
                last = now;
                movedAt = at;
            } else if (at - movedAt >= stall.toNanos()) {
                throw failed(failure + " within " + seconds(at - start) + " s: " + where(state, unanswered)
                        + "; nothing moved for " + stall.toSeconds() + " s; see " + see, watched, unanswered);
            }
            if (at - start >= cap.toNanos()) {
                throw failed(failure + " within " + cap.toSeconds() + " s, the cap, though it was still moving: "
                        + where(state, unanswered) + "; see " + see, watched, unanswered);
            }
            clock.sleep(interval);
        }
    }

    private static NotReadyException exited(Watched process, String failure) {
        log.error("{} exited while waiting ({}); the last lines of its log:\n{}", process.name(), failure,
                process.logTail());
        return new NotReadyException(failure + ": " + process.name() + " exited; see " + process.log());
    }

    /**
     * {@code call}'s result, asking again while it times out (or fails retriably) until nothing answered for the stall
     * bound or the cap ran out; for one idempotent request.
     */
    public <T> T call(String failure, String see, Callable<T> call) throws InterruptedException {
        AtomicReference<T> result = new AtomicReference<>();
        await(failure, see, List.of(), () -> {
            result.set(call.call());
            return Look.ready();
        });
        return result.get();
    }

    /** An answer that did not come in time, or a Kafka error worth asking again, anywhere in the cause chain. */
    static boolean isRetriable(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof TimeoutException || cause instanceof RetriableException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes the last lines of {@code file} to this class's logger: the details behind a sentence that points at the
     * file, for the log file (the command line keeps this logger off the terminal).
     */
    public static void logTail(String sentence, Path file) {
        log.error("{}; the last lines of {}:\n{}", sentence, file, tail(file, TAIL_LINES));
    }

    /** The last {@code lines} lines of {@code file} (its last 8 KiB at most), or a note that it is missing. */
    public static String tail(Path file, int lines) {
        if (!Files.isRegularFile(file)) {
            return "(" + file + " does not exist)";
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long from = Math.max(0, in.length() - TAIL_BYTES);
            byte[] bytes = new byte[(int) (in.length() - from)];
            in.seek(from);
            in.readFully(bytes);
            List<String> text = new String(bytes, StandardCharsets.UTF_8).lines().toList();
            if (from > 0 && !text.isEmpty()) {
                text = text.subList(1, text.size()); // the first line is probably cut
            }
            return String.join("\n", text.subList(Math.max(0, text.size() - lines), text.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    private static Object progressOf(Watched process) {
        long size = sizeOf(process.log());
        return size > 0 ? size : process.cpuTime();
    }

    private static long sizeOf(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static String where(String state, Exception unanswered) {
        String noAnswer = unanswered == null ? null : "no answer (" + firstMessage(unanswered) + ")";
        return state == null ? noAnswer : noAnswer == null ? state : state + ", then " + noAnswer;
    }

    private static String firstMessage(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause.getMessage() != null && !(cause instanceof ExecutionException)) {
                return cause.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }

    private static NotReadyException failed(String sentence, List<? extends Watched> watched, Exception unanswered) {
        for (Watched process : watched) {
            log.warn("{}; the last lines of {}'s log:\n{}", sentence, process.name(), process.logTail());
        }
        return new NotReadyException(sentence, unanswered);
    }

    private static RuntimeException unchecked(Exception e, String failure) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure + ": " + cause, cause);
    }

    private static long seconds(long nanos) {
        return TimeUnit.NANOSECONDS.toSeconds(nanos);
    }
}
