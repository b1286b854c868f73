package dev.courier.cli;

import dev.courier.gateway.Gateway;
import dev.courier.gateway.GatewayConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code courier gateway}: runs one HTTP ingest gateway until interrupted. */
@Command(name = "gateway", mixinStandardHelpOptions = true, defaultValueProvider = ConfigDefaults.class,
        description = {"Run an HTTP ingest gateway: POST /v1/messages publishes a message (202 once Kafka acknowledged "
                + "every copy), GET /openapi.json is the contract, GET /health the probe, GET /metrics Prometheus' "
                + "and GET /console the operator console.",
                "Run several behind a load balancer: Idempotency-Keys live in <prefix>.idempotency. Stop with Ctrl-C."})
public final class GatewayCommand implements Callable<Integer>, ConfiguredCommand {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @ConfigKey(GatewayConfig.PORT_CONFIG)
    @Option(names = "--port", paramLabel = "PORT",
            description = "HTTP port; 0 for a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @ConfigKey(GatewayConfig.CONSOLE_PROMETHEUS_URL_CONFIG)
    @Option(names = "--prometheus-url", paramLabel = "URL",
            description = "The Prometheus scraping Courier's components, which the operator console (GET /console) asks "
                    + "for its numbers; without it the console shows only the message lookup.")
    String prometheusUrl;

    @Option(names = {"-p", "--property"}, paramLabel = "KEY=VALUE",
            description = "Any gateway setting (see GatewayConfig), e.g. courier.max.payload.bytes, "
                    + "gateway.idempotency.takeover.ms, or a Kafka client one prefixed client.")
    Map<String, String> properties = new HashMap<>();

    @Override
    public ConfigDef configDef() {
        return GatewayConfig.configDef();
    }

    @Override
    public Integer call() throws Exception {
        // --command-config: Kafka client settings (security) for every client of the gateway.
        Map<String, Object> props = connection.componentConfig(spec, properties, GatewayConfig.CLIENT_PREFIX);
        props.putIfAbsent(GatewayConfig.KAFKA_TIMEOUT_MS_CONFIG, connection.kafka.timeout.toMillis()); // -p wins
        CountDownLatch stopped = new CountDownLatch(1);
        try (Gateway gateway = new Gateway(new GatewayConfig(props))) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                gateway.close();
                stopped.countDown();
            }, "gateway-shutdown"));
            System.err.println("gateway listening at http://localhost:" + gateway.port() + " (POST /v1/messages, "
                    + "GET /openapi.json, GET /health, GET /metrics, GET /console)");
            stopped.await();
        }
        return 0;
    }
}
