package dev.courier.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.courier.operator.EnvironmentUnavailableException;
import dev.courier.operator.NotFoundException;
import dev.courier.operator.Trackers;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator console the gateway serves: {@code GET /console} (one static page, {@code console.html} in this
 * package), {@code GET /v1/console/summary} (the numbers, from {@link ConsoleSummary}) and
 * {@code GET /v1/messages/{messageId}} (a message's status, asked of the trackers that announced their API, as
 * {@code courier status} does).
 */
final class Console {

    private static final Logger log = LoggerFactory.getLogger(Console.class);

    private final String page;
    private final ConsoleSummary summary;
    private final Trackers trackers;

    /** @param summary null when no Prometheus is configured: the summary is then 503 */
    Console(ConsoleSummary summary, Trackers trackers) {
        this.page = GatewayHttpApi.resource("console.html");
        this.summary = summary;
        this.trackers = trackers;
    }

    void routes(JavalinConfig config) {
        config.routes.get("/console", ctx -> ctx.contentType("text/html; charset=utf-8").result(page));
        config.routes.get("/v1/console/summary", this::summary);
        config.routes.get("/v1/messages/{messageId}", this::message);
    }

    private void summary(Context ctx) throws InterruptedException {
        if (summary == null) {
            GatewayHttpApi.answer(ctx, ApiError.unavailable("the console has no Prometheus to ask (gateway.console.prometheus.url)"));
            return;
        }
        try {
            ctx.contentType("application/json").result(summary.read().toString());
        } catch (IOException e) {
            log.warn("console summary: {}", e.toString());
            GatewayHttpApi.answer(ctx, ApiError.unavailable("Prometheus did not answer: " + e.getMessage()));
        }
    }

    private void message(Context ctx) {
        String messageId = ctx.pathParam("messageId");
        Optional<JsonNode> status;
        try {
            status = trackers.get("/v1/messages/" + URLEncoder.encode(messageId, StandardCharsets.UTF_8).replace("+", "%20"));
        } catch (EnvironmentUnavailableException e) {
            GatewayHttpApi.answer(ctx, ApiError.unavailable(e.getMessage()));
            return;
        } catch (NotFoundException e) {
            GatewayHttpApi.answer(ctx, ApiError.notFound(e.getMessage()));
            return;
        }
        if (status.isEmpty()) {
            GatewayHttpApi.answer(ctx, ApiError.notFound("no delivery of message " + messageId + " is known to the tracker "
                    + "(never published, or settled longer ago than the status retention)"));
            return;
        }
        ctx.contentType("application/json").result(status.get().toString());
    }
}
