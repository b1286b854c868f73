package dev.courier.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.registry.RegistryApi.Request;
import dev.courier.registry.RegistryApi.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** {@code GET /health} and the API while the log is replayed, without HTTP. */
class RegistryApiTest {

    /** A log whose replay lasts until {@link #replayMayFinish}, and whose follower the test can stop. */
    private static final class GatedLog implements SchemaLog {
        final CountDownLatch replayMayFinish = new CountDownLatch(1);
        volatile FollowerStatus status = new FollowerStatus(true, 3, null);

        @Override
        public void start(RecordHandler handler, Duration stallTimeout) {
            try {
                replayMayFinish.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public FollowerStatus status() {
            return status;
        }

        @Override
        public CompletableFuture<Long> append(String key, String value) {
            return CompletableFuture.failedFuture(new IllegalStateException("read-only"));
        }

        @Override
        public String describe() {
            return "gated log";
        }

        @Override
        public void close() {
        }
    }

    private static Request get(String path) {
        return new Request("GET", RegistryHttp.segments(path), Map.of(), "");
    }

    private static void assertHealth(int status, String follower, Response answer) {
        assertEquals(status, answer.status(), answer.body());
        assertTrue(answer.body().contains("\"follower\":\"" + follower + "\""), answer.body());
    }

    @Test
    void healthIsDownWhileReplayingUpWhileFollowingAndDownOnceTheFollowerStops() {
        GatedLog log = new GatedLog();
        SchemaStore store = new SchemaStore(log, Duration.ofSeconds(5));
        RegistryApi api = new RegistryApi(store);
        CompletableFuture<Void> replay = CompletableFuture.runAsync(store::start);

        assertHealth(503, "REPLAYING", api.handle(get("/health")));
        assertEquals(503, api.handle(get("/subjects")).status(), "no answers from a partial state");

        log.replayMayFinish.countDown();
        replay.join();
        assertHealth(200, "FOLLOWING", api.handle(get("/health")));
        assertEquals(new Response(200, "[]"), api.handle(get("/subjects")));

        log.status = new SchemaLog.FollowerStatus(false, 3, "KafkaException: not authorized");
        Response stopped = api.handle(get("/health"));
        assertHealth(503, "STOPPED", stopped);
        assertTrue(stopped.body().contains("not authorized"), stopped.body());
    }

    @Test
    void subjectNamesMustBeNonBlankShortAndFreeOfControlCharacters() {
        for (String bad : List.of(" ", "a\u0000b", "line\nbreak", "del\u007f", "c1\u0085", "x".repeat(1025))) {
            RegistryError refused = assertThrows(RegistryError.class, () -> RegistryApi.subject(bad));
            assertEquals(RegistryError.INVALID_SUBJECT, refused.errorCode());
            assertEquals(422, refused.httpStatus());
        }
        for (String good : List.of("users-value", "a/b c", "dev.courier.schemas.SendEvent", "é-value", "x".repeat(1024))) {
            assertEquals(good, RegistryApi.subject(good));
        }
    }
}
