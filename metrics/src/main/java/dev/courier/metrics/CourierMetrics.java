package dev.courier.metrics;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/**
 * A component's Prometheus registry (common tag {@code component}, JVM and process metrics bound) and the
 * Javalin routes that serve it: {@code GET /metrics} in Prometheus' text format, and a request timer by route.
 */
public final class CourierMetrics implements AutoCloseable {

    /** How often Micrometer's Kafka binders look for metrics that appeared (new tasks, partitions, clients). */
    public static final Duration KAFKA_METRICS_REFRESH = Duration.ofSeconds(5);

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc = new JvmGcMetrics();

    /** A registry for {@code component} (gateway, tracker, consumer, registry) with JVM and process metrics. */
    public CourierMetrics(String component) {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags(CourierMeters.TAG_COMPONENT, component);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The registry's meters in Prometheus' text format. */
    public String scrape() {
        return registry.scrape();
    }

    /**
     * Adds {@code GET /metrics} to a Javalin server being configured, and times every request as {@code requests}
     * (tags method, route: the matched path pattern, status).
     */
    public void serveOn(JavalinConfig config, CourierMeters.Def requests) {
        config.routes.get("/metrics", this::metrics);
        config.requestLogger.http((ctx, ms) -> Timer.builder(requests.name())
                .description(requests.description())
                .tag("method", ctx.method().name())
                .tag("route", route(ctx))
                .tag("status", Integer.toString(ctx.statusCode()))
                .register(registry)
                .record(Duration.ofNanos((long) (ms * 1_000_000))));
    }

    /** Adds {@code GET /metrics} alone. */
    public void serveOn(JavalinConfig config) {
        config.routes.get("/metrics", this::metrics);
    }

    private void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape());
    }

    private static String route(Context ctx) {
        try {
            String matched = ctx.endpoint() == null ? null : ctx.endpoint().path;
            return matched == null || matched.isEmpty() || ctx.statusCode() == 404 ? "unmatched" : matched;
        } catch (RuntimeException noEndpoint) { // a request that matched no route
            return "unmatched";
        }
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
