package dev.courier.registry;

import dev.courier.registry.RegistryApi.Request;
import dev.courier.registry.RegistryApi.Response;
import dev.courier.metrics.CourierMeters;
import dev.courier.metrics.CourierMetrics;
import io.javalin.Javalin;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.QoSHandler;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's HTTP layer on Javalin/Jetty: every request goes to {@link RegistryApi}, within
 * {@link Limits}. Errors Jetty answers itself (503 when saturated, 431, bad requests) have Confluent's shape.
 */
final class RegistryHttp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RegistryHttp.class);
    /** Jetty's acceptor and selector threads, on top of the request threads. */
    private static final int JETTY_THREADS = 4;

    /**
     * @param threads         requests handled at once
     * @param queue           requests waiting for one of those threads; more are refused with 503
     * @param queueTimeout    how long a request may wait for a thread before 503
     * @param idleTimeout     a connection sending or reading nothing this long is closed
     * @param maxRequestBytes larger request bodies are refused with 413
     */
    record Limits(int threads, int queue, Duration queueTimeout, Duration idleTimeout, long maxRequestBytes) {
    }

    private final Javalin app;

    RegistryHttp(RegistryApi api, String host, int port, Limits limits, RegistrySecurity security, CourierMetrics metrics) {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.compressionStrategy = CompressionStrategy.NONE;
            config.jetty.threadPool = threadPool(limits);
            config.jetty.addConnector((server, http) -> connector(server, http, host, port, limits.idleTimeout(), security));
            config.jetty.modifyServer(server -> {
                server.setHandler(admission(limits));
                server.setErrorHandler(new ConfluentErrorHandler());
            });
            metrics.serveOn(config);
            for (HandlerType method : HandlerType.values()) {
                if (method.isHttpMethod()) {
                    config.routes.addHttpHandler(method, "/", ctx -> serve(api, limits.maxRequestBytes(), security, ctx, metrics));
                    config.routes.addHttpHandler(method, "/*", ctx -> serve(api, limits.maxRequestBytes(), security, ctx, metrics));
                }
            }
        });
    }

    /** Sized for the admitted requests; its job queue stays unbounded, as Jetty wants: {@link #admission} bounds the work. */
    private static QueuedThreadPool threadPool(Limits limits) {
        QueuedThreadPool pool = new QueuedThreadPool(limits.threads() + JETTY_THREADS, 2);
        pool.setName("courier-registry-http");
        pool.setReservedThreads(0);
        pool.setDaemon(true);
        return pool;
    }

    private static ServerConnector connector(Server server, HttpConfiguration http, String host, int port, Duration idleTimeout,
                                             RegistrySecurity security) {
        ServerConnector connector = security.tls().isEmpty()
                ? new ServerConnector(server, 1, 1, new HttpConnectionFactory(http))
                : new ServerConnector(server, 1, 1, new SslConnectionFactory(sslContext(security.tls().get()), "http/1.1"),
                        new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(idleTimeout.toMillis());
        return connector;
    }

    private static SslContextFactory.Server sslContext(RegistrySecurity.Tls tls) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(tls.keystore().toAbsolutePath().toString());
        ssl.setKeyStorePassword(tls.keystorePassword());
        ssl.setKeyStoreType(tls.keystoreType());
        ssl.setKeyManagerPassword(tls.keyPassword());
        return ssl;
    }

    /** Lets {@code threads} requests in at once, parks {@code queue} more (without a thread), refuses the rest. */
    private static QoSHandler admission(Limits limits) {
        QoSHandler qos = new QoSHandler();
        qos.setMaxRequestCount(limits.threads());
        qos.setMaxSuspendedRequestCount(limits.queue());
        qos.setMaxSuspend(limits.queueTimeout());
        return qos;
    }

    void start() {
        app.start();
    }

    int port() {
        return app.port();
    }

    private static void serve(RegistryApi api, long maxRequestBytes, RegistrySecurity security, Context ctx,
                              CourierMetrics metrics) {
        long started = System.nanoTime();
        HttpServletRequest http = ctx.req();
        List<String> segments = List.of();
        Response response;
        if (security.requiresAuthentication() && !RegistryApi.isHealth(segments(http.getRequestURI()))
                && !security.authenticates(http.getHeader("Authorization"))) {
            log.warn("Refused {} {} from {}: no valid credentials", http.getMethod(), http.getRequestURI(), http.getRemoteAddr());
            response = Response.error(401, 40101, "Unauthorized: this registry needs basic authentication "
                    + "(basic.auth.credentials.source=USER_INFO, basic.auth.user.info=USER:PASSWORD)");
            ctx.header("WWW-Authenticate", "Basic realm=\"courier-registry\"");
            ctx.status(response.status()).contentType(RegistryApi.CONTENT_TYPE).result(response.body());
            record(metrics, http, segments, response, started);
            return;
        }
        try {
            segments = segments(http.getRequestURI());
            String body = body(http, maxRequestBytes);
            response = api.handle(new Request(http.getMethod().toUpperCase(), segments,
                    query(http.getQueryString()), body));
        } catch (RegistryError e) {
            response = Response.error(e);
        } catch (IOException e) {
            log.debug("Cannot read the body of {} {}", http.getMethod(), http.getRequestURI(), e);
            response = Response.error(400, 400, "HTTP 400 Bad Request: the request body could not be read");
        } catch (RuntimeException e) {
            log.error("Request {} {} failed", http.getMethod(), http.getRequestURI(), e);
            response = Response.error(500, 500, "Internal Server Error");
        }
        ctx.status(response.status()).contentType(RegistryApi.CONTENT_TYPE).result(response.body());
        record(metrics, http, segments, response, started);
    }

    private static void record(CourierMetrics metrics, HttpServletRequest http, List<String> segments, Response response,
                               long started) {
        Timer.builder(CourierMeters.REGISTRY_REQUESTS.name())
                .description(CourierMeters.REGISTRY_REQUESTS.description())
                .tag("method", http.getMethod().toUpperCase())
                .tag("route", RegistryRoutes.template(segments))
                .tag("status", Integer.toString(response.status()))
                .register(metrics.registry())
                .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }

    /** The body as text; 413 without reading it when declared too large, or as soon as it grows too large. */
    private static String body(HttpServletRequest http, long maxBytes) throws IOException {
        if (http.getContentLengthLong() > maxBytes) {
            throw tooLarge(maxBytes);
        }
        byte[] bytes = http.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        if (bytes.length > maxBytes) {
            throw tooLarge(maxBytes);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static RegistryError tooLarge(long maxBytes) {
        return new RegistryError(413, "HTTP 413 Content Too Large: request bodies are limited to " + maxBytes + " bytes");
    }

    /** Path segments, each URL-decoded after splitting, so a subject may contain an encoded '/'. */
    static List<String> segments(String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String raw : rawPath.split("/")) {
            if (!raw.isEmpty()) {
                segments.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return segments;
    }

    static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new HashMap<>();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                query.put(name, eq < 0 ? "true" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return query;
    }

    @Override
    public void close() {
        app.stop();
    }

    /** Errors Jetty answers before a request reaches the API, as {@code {"error_code":503,"message":..}}. */
    private static final class ConfluentErrorHandler extends ErrorHandler {

        @Override
        protected void generateResponse(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                        int code, String message, Throwable cause, Callback callback) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, RegistryApi.CONTENT_TYPE);
            response.write(true, body(code), callback);
        }

        @Override
        public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
            fields.put(HttpHeader.CONTENT_TYPE, RegistryApi.CONTENT_TYPE);
            return body(status);
        }

        private static ByteBuffer body(int status) {
            return BufferUtil.toBuffer(Response.error(status, status, "HTTP " + status + " " + HttpStatus.getMessage(status)).body(),
                    StandardCharsets.UTF_8);
        }
    }
}
