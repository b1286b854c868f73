package dev.courier.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.deploy.ProgressWait.Look;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgressWaitTest {

    private static final Duration STALL = Duration.ofSeconds(60);
    private static final Duration CAP = Duration.ofMinutes(10);
    private static final Duration INTERVAL = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    private final ProgressWait.ManualClock clock = new ProgressWait.ManualClock();
    private final ProgressWait wait = new ProgressWait(STALL, CAP, INTERVAL, clock);

    @Test
    void aProbeThatKeepsAdvancingIsWaitedForLongPastTheStallBound() throws Exception {
        // A stage every 50 s, ready after 5 minutes: never 60 s without progress.
        wait.await("3 Kafka nodes did not become ready", "the logs", List.of(),
                () -> clock.seconds() >= 300 ? Look.ready() : Look.notYet(clock.seconds() / 50, "starting"));
        assertEquals(300, clock.seconds());
    }

    @Test
    void aWatchedProcessWhoseLogGrowsIsProgressThoughTheProbeStandsStill() throws Exception {
        FakeProcess node = new FakeProcess("node 1", dir.resolve("server.log"));
        wait.await("3 Kafka nodes did not become ready", "the logs", List.of(node), () -> {
            if (clock.seconds() % 40 == 0) {
                node.write("a line\n");
            }
            return clock.seconds() >= 200 ? Look.ready() : Look.notYet("LAUNCHED", "node 1 does not accept connections");
        });
        assertEquals(200, clock.seconds());
    }

    @Test
    void whileItsLogIsEmptyAProcessUsingCpuIsProgress() throws Exception {
        FakeProcess booting = new FakeProcess("tracker-0", dir.resolve("tracker-0.log"));
        wait.await("1 tracker did not join its group", "the logs", List.of(booting), () -> {
            booting.cpu = Duration.ofSeconds(clock.seconds() / 30);
            return clock.seconds() >= 150 ? Look.ready() : Look.notYet(0, "0 of 1 trackers in group g");
        });
        assertEquals(150, clock.seconds());
    }

    @Test
    void nothingMovingForTheStallBoundFailsWithOneSentence() {
        NotReadyException e = assertThrows(NotReadyException.class, () -> wait.await(
                "3 Kafka nodes did not become ready", "/w/node-*/logs/server.log", List.of(),
                () -> Look.notYet("LISTENING", "the metadata quorum has no leader")));
        assertEquals("3 Kafka nodes did not become ready within 60 s: the metadata quorum has no leader; "
                + "nothing moved for 60 s; see /w/node-*/logs/server.log", e.getMessage());
        assertEquals(60, clock.seconds());
    }

    @Test
    void theStallBoundCountsFromTheLastProgressNotFromTheStart() {
        NotReadyException e = assertThrows(NotReadyException.class, () -> wait.await("it did not start", "its log",
                List.of(), () -> Look.notYet(Math.min(clock.seconds(), 100), "at " + Math.min(clock.seconds(), 100))));
        assertEquals("it did not start within 160 s: at 100; nothing moved for 60 s; see its log", e.getMessage());
    }

    @Test
    void aWatchedProcessThatExitsFailsTheWaitAtOnceNamingItAndItsLog() throws Exception {
        FakeProcess node = new FakeProcess("node 1", dir.resolve("server.log"));
        node.write("ERROR Exiting Kafka due to fatal exception\n");
        NotReadyException e = assertThrows(NotReadyException.class, () -> wait.await(
                "3 Kafka nodes did not become ready", "the logs", List.of(node), () -> {
                    if (clock.seconds() == 5) {
                        node.alive = false;
                    }
                    return Look.notYet(clock.seconds(), "moving");
                }));
        assertEquals("3 Kafka nodes did not become ready: node 1 exited; see " + node.log(), e.getMessage());
        assertEquals(6, clock.seconds());
    }

    @Test
    void whatAProcessDidJustBeforeItExitedStillCounts() throws Exception {
        FakeProcess child = new FakeProcess("echo", dir.resolve("echo.log"));
        wait.await("echo did not print its line", "its log", List.of(child), () -> {
            if (clock.seconds() == 2) {
                child.alive = false; // prints its line and exits before the next look
                return Look.notYet(clock.seconds(), "no line yet");
            }
            return clock.seconds() >= 3 ? Look.ready() : Look.notYet(clock.seconds(), "no line yet");
        });
        assertEquals(3, clock.seconds());
    }

    @Test
    void somethingThatKeepsMovingButNeverGetsThereFailsAtTheCap() {
        NotReadyException e = assertThrows(NotReadyException.class, () -> wait.await("it did not start", "its log",
                List.of(), () -> Look.notYet(clock.seconds(), "still replaying")));
        assertEquals("it did not start within 600 s, the cap, though it was still moving: still replaying; see its log",
                e.getMessage());
        assertEquals(600, clock.seconds());
    }

    @Test
    void anAnswerThatTimesOutIsAskedAgainPlainOrWrapped() throws Exception {
        int[] asks = {0};
        wait.await("it did not start", "its log", List.of(), () -> {
            asks[0]++;
            clock.advance(Duration.ofSeconds(10)); // each ask takes its 10 s timeout
            return switch (asks[0]) {
                case 1 -> throw new TimeoutException();
                case 2 -> throw new ExecutionException(new org.apache.kafka.common.errors.TimeoutException("call timed out"));
                case 3 -> throw new IllegalStateException("describe cluster failed", new org.apache.kafka.common.errors
                        .NotControllerException("moved"));
                default -> Look.ready();
            };
        });
        assertEquals(4, asks[0]);
    }

    @Test
    void aClusterThatNeverAnswersFailsAfterTheStallBoundSayingSo() {
        NotReadyException e = assertThrows(NotReadyException.class, () -> wait.await("2 trackers did not join group g",
                "the logs", List.of(), () -> {
                    throw new ExecutionException(new org.apache.kafka.common.errors.TimeoutException("no node assigned"));
                }));
        assertEquals("2 trackers did not join group g within 60 s: no answer (no node assigned); nothing moved for 60 s; "
                + "see the logs", e.getMessage());
    }

    @Test
    void anErrorThatIsNoTimeoutEndsTheWaitAsItIs() {
        IllegalArgumentException bad = new IllegalArgumentException("unknown topic config");
        assertSame(bad, assertThrows(IllegalArgumentException.class, () -> wait.await("it did not start", "its log",
                List.of(), () -> {
                    throw new ExecutionException(bad);
                })));
        assertEquals(0, clock.seconds());
    }

    @Test
    void callRetriesOneRequestUntilItAnswers() throws Exception {
        int[] asks = {0};
        String answer = wait.call("the topics could not be listed", "the logs", () -> {
            if (++asks[0] < 3) {
                throw new TimeoutException("list topics timed out");
            }
            return "courier.send";
        });
        assertEquals("courier.send", answer);
        assertEquals(2, clock.seconds());
    }

    @Test
    void theLogTailIsTheLastLines() throws Exception {
        Path file = Files.writeString(dir.resolve("x.log"), "one\ntwo\nthree\n");
        assertEquals("two\nthree", ProgressWait.tail(file, 2));
        assertTrue(ProgressWait.tail(dir.resolve("missing.log"), 2).contains("does not exist"));
    }


    private static final class FakeProcess implements ProgressWait.Watched {
        private final String name;
        private final Path log;
        boolean alive = true;
        Duration cpu = Duration.ZERO;

        FakeProcess(String name, Path log) {
            this.name = name;
            this.log = log;
        }

        void write(String text) throws Exception {
            Files.writeString(log, text, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean isAlive() {
            return alive;
        }

        @Override
        public Path log() {
            return log;
        }

        @Override
        public Duration cpuTime() {
            return cpu;
        }
    }
}
