package dev.courier.streams;

import dev.courier.metrics.CourierMetrics;
import dev.courier.schemas.RedeliverRequest;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * A tracker instance's HTTP API: {@code GET /v1/messages/{messageId}} (the status lookup) and
 * {@code GET /v1/pending} (counts for `courier redeliver`), both answered for every partition
 * ({@code ?scope=local}: this instance's partitions only, which is how instances ask each other), and
 * {@code GET /health} (200 while the tracker runs or rebalances, 503 otherwise), and {@code GET /metrics}
 * (Prometheus).
 */
final class TrackerHttpApi implements AutoCloseable {

    private final Javalin server;
    private volatile KafkaStreams streams;
    private volatile StatusLookup lookup;

    /** Starts listening on {@code port} (0: a free one) before the tracker exists, so it can announce the port. */
    TrackerHttpApi(int port, CourierMetrics metrics) {
        this.server = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            metrics.serveOn(config);
            config.routes.get("/v1/messages/{messageId}", this::message);
            config.routes.get("/v1/pending", this::pending);
            config.routes.get("/health", this::health);
        }).start(port);
    }

    int port() {
        return server.port();
    }

    void serve(KafkaStreams streams, HostInfo self, Duration retention) {
        this.streams = streams;
        this.lookup = new StatusLookup(streams, self, retention);
    }

    private void message(Context ctx) {
        String messageId = ctx.pathParam("messageId");
        StatusLookup current = lookup;
        if (current == null) {
            unavailable(ctx, "the tracker is starting");
            return;
        }
        try {
            StatusLookup.Answer answer = "local".equals(ctx.queryParam("scope"))
                    ? new StatusLookup.Answer(messageId, current.local(messageId), List.of())
                    : current.everywhere(messageId);
            if (answer.found()) {
                ctx.contentType("application/json").result(answer.toJson().toString());
            } else if (!answer.unreachable().isEmpty()) {
                unavailable(ctx, "message " + messageId + " not found here, and tracker instances "
                        + answer.unreachable() + " did not answer");
            } else {
                ctx.status(404).contentType("application/json").result(StatusLookup.JSON.createObjectNode()
                        .put("error", "not_found").put("messageId", messageId)
                        .put("message", "no delivery of message " + messageId + " is known to the tracker "
                                + "(never published, or settled longer ago than the status retention)")
                        .toString());
            }
        } catch (InvalidStateStoreException e) {
            unavailable(ctx, "the tracker's state is moving between instances (rebalance); try again");
        }
    }

    /**
     * {@code GET /v1/pending?olderThanMs=N&recipient=a&recipient=b}: deliveries the tracker holds, and how many a
     * redeliver request with that selection would move forward ({@code {"pending":N,"selected":M}}).
     */
    private void pending(Context ctx) {
        StatusLookup current = lookup;
        if (current == null) {
            unavailable(ctx, "the tracker is starting");
            return;
        }
        long olderThanMs;
        try {
            olderThanMs = Long.parseLong(Objects.requireNonNullElse(ctx.queryParam("olderThanMs"), "0"));
        } catch (NumberFormatException e) {
            ctx.status(400).contentType("application/json").result(StatusLookup.JSON.createObjectNode()
                    .put("error", "bad_request").put("message", "olderThanMs must be a number of milliseconds").toString());
            return;
        }
        RedeliverRequest selection = RedeliverRequest.newBuilder().setRequestId("count")
                .setRequestedAt(Instant.now()).setOlderThanMs(olderThanMs)
                .setRecipients(ctx.queryParams("recipient")).setRatePerSecond(1).build();
        try {
            var counts = "local".equals(ctx.queryParam("scope"))
                    ? current.pendingLocal(selection)
                    : current.pendingEverywhere(selection, forwardedQuery(olderThanMs, ctx.queryParams("recipient")));
            ctx.contentType("application/json").result(counts.toString());
        } catch (InvalidStateStoreException e) {
            unavailable(ctx, "the tracker's state is moving between instances (rebalance); try again");
        }
    }

    private static String forwardedQuery(long olderThanMs, List<String> recipients) {
        StringBuilder query = new StringBuilder("olderThanMs=").append(olderThanMs);
        recipients.forEach(r -> query.append("&recipient=").append(StatusLookup.encode(r)));
        return query.toString();
    }

    private void health(Context ctx) {
        KafkaStreams current = streams;
        KafkaStreams.State state = current == null ? KafkaStreams.State.CREATED : current.state();
        boolean healthy = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
        ctx.status(healthy ? 200 : 503).contentType("application/json")
                .result(StatusLookup.JSON.createObjectNode().put("state", state.name()).toString());
    }

    private static void unavailable(Context ctx, String why) {
        ctx.status(503).header("Retry-After", "1").contentType("application/json")
                .result(StatusLookup.JSON.createObjectNode().put("error", "unavailable").put("message", why).toString());
    }

    @Override
    public void close() {
        server.stop();
    }
}
