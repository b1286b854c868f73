package dev.courier.metrics;

import io.javalin.Javalin;
import java.util.function.BooleanSupplier;

/**
 * An HTTP server for a component that has no other: {@code GET /metrics} (Prometheus) and {@code GET /health}
 * (200 {@code {"status":"UP"}} while {@code healthy}, 503 {@code DOWN} otherwise).
 */
public final class MetricsServer implements AutoCloseable {

    private final Javalin server;

    /** Starts listening on {@code port} (0: a free one). */
    public MetricsServer(int port, CourierMetrics metrics, BooleanSupplier healthy) {
        this.server = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            metrics.serveOn(config);
            config.routes.get("/health", ctx -> {
                boolean up = healthy.getAsBoolean();
                ctx.status(up ? 200 : 503).contentType("application/json")
                        .result(up ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
            });
        }).start(port);
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop();
    }
}
