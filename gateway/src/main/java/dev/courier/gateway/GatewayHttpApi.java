package dev.courier.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.metrics.CourierMeters;
import dev.courier.metrics.CourierMetrics;
import dev.courier.producer.OutgoingMessage;
import dev.courier.producer.SendReceipt;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's HTTP API: {@code POST /v1/messages} (202 with the receipt once Kafka acknowledged every copy),
 * {@code GET /openapi.json} (the contract, {@code openapi.json} in this package), {@code GET /health} and
 * {@code GET /metrics} (Prometheus); with a {@link Console}, its page and endpoints.
 */
final class GatewayHttpApi implements AutoCloseable {

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String REPLAYED = "Idempotent-Replayed";

    private static final Logger log = LoggerFactory.getLogger(GatewayHttpApi.class);

    private final Publisher publisher;
    private final int maxPayloadBytes;
    private final long maxRequestBytes;
    private final String openApi;
    private final Javalin server;

    /**
     * Starts listening on {@code port} (0: a free one). Bodies over twice the payload limit plus 64 KiB (room for
     * base64 and JSON escapes) are refused with 413 before they are read.
     */
    GatewayHttpApi(int port, int maxPayloadBytes, CourierMetrics metrics, Console console, Publisher publisher) {
        this.publisher = publisher;
        this.maxPayloadBytes = maxPayloadBytes;
        this.openApi = resource("openapi.json");
        this.maxRequestBytes = 2L * maxPayloadBytes + 64 * 1024;
        this.server = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = maxRequestBytes;
            metrics.serveOn(config, CourierMeters.GATEWAY_REQUESTS);
            if (console != null) {
                console.routes(config);
            }
            config.routes.post("/v1/messages", this::post);
            config.routes.get("/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
            config.routes.get("/health", ctx -> ctx.contentType("application/json").result("{\"status\":\"UP\"}"));
            config.routes.exception(ApiError.ApiException.class, (e, ctx) -> answer(ctx, e.error()));
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.error("{} {} failed", ctx.method(), ctx.path(), e);
                answer(ctx, ApiError.internal(e));
            });
        }).start(port);
    }

    int port() {
        return server.port();
    }

    private void post(Context ctx) {
        String contentType = ctx.contentType();
        if (contentType == null || !contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT).equals("application/json")) {
            throw ApiError.unsupportedMediaType(contentType).exception();
        }
        if (ctx.contentLength() > maxRequestBytes) { // a body without a length: Javalin's maxRequestSize refuses it
            throw ApiError.tooLarge(null, "the request is " + ctx.contentLength() + " bytes, over " + maxRequestBytes
                    + " bytes; the payload limit is " + maxPayloadBytes + " bytes").exception();
        }
        byte[] body = ctx.bodyAsBytes();
        OutgoingMessage message = MessageRequest.parse(body, maxPayloadBytes);
        String key = ctx.header(IDEMPOTENCY_KEY);
        String recordKey = key == null ? null : IdempotencyRules.recordKey(message.senderId(), IdempotencyRules.validKey(key));
        Publisher.Published published = publisher.publish(message, recordKey, IdempotencyRules.fingerprint(body));
        SendReceipt receipt = published.receipt();
        log.debug("Published message {} to {} recipients{}", receipt.messageId(), receipt.placements().size(),
                published.replayed() ? " (idempotent replay)" : "");
        if (published.replayed()) {
            ctx.header(REPLAYED, "true");
        }
        ctx.status(published.replayed() ? 200 : 202).contentType("application/json").result(toJson(receipt));
    }

    static String toJson(SendReceipt receipt) {
        ObjectNode body = ApiError.JSON.createObjectNode().put("messageId", receipt.messageId());
        ArrayNode placements = body.putArray("placements");
        receipt.placements().forEach(p -> placements.addObject()
                .put("recipientId", p.recipientId()).put("partition", p.partition()).put("offset", p.offset()));
        return body.toString();
    }

    static void answer(Context ctx, ApiError error) {
        if (error.retryable()) {
            ctx.header("Retry-After", "1");
        }
        ctx.status(error.status()).contentType("application/json").result(error.toJson());
    }

    /** A text resource of this package. */
    static String resource(String name) {
        try (InputStream in = GatewayHttpApi.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " missing from " + GatewayHttpApi.class.getPackageName());
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
