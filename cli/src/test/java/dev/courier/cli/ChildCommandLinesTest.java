package dev.courier.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.harness.LocalPipeline;
import dev.courier.harness.PipelineAssembly;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.ParseResult;

/** The command lines the harness starts child JVMs with ({@link PipelineAssembly}) are ones this CLI accepts. */
class ChildCommandLinesTest {

    private final PipelineAssembly assembly = new PipelineAssembly("h:9092", "http://r:8081", "p");

    private static ParseResult parse(List<String> args) {
        return Courier.commandLine().parseArgs(args.toArray(String[]::new)).subcommand();
    }

    @Test
    void aTrackerCommandLine() {
        ParseResult tracker = parse(assembly.trackerArgs(Path.of("/s"), Map.of("ack.timeout.ms", 1000,
                "redelivery.max.per.second", 20.0)));

        assertEquals("tracker", tracker.commandSpec().name());
        assertEquals("p-tracker", tracker.matchedOptionValue("--application-id", null));
        assertEquals("/s", tracker.matchedOptionValue("--state-dir", null));
        assertEquals(Map.of("ack.timeout.ms", "1000", "redelivery.max.per.second", "20.0"),
                tracker.matchedOptionValue("--property", Map.of()));
    }

    @Test
    void aConsumerCommandLineWithTheSimulatedDevicesOptions() {
        List<String> args = new java.util.ArrayList<>(assembly.consumerArgs("consumer-0", Map.of()));
        args.addAll(LocalPipeline.Devices.of(0.01, 0).args(Path.of("/h")));

        ParseResult consumer = parse(args);

        assertEquals("consumer", consumer.commandSpec().name());
        assertEquals("p-delivery", consumer.matchedOptionValue("--group", null));
        assertEquals("consumer-0", consumer.matchedOptionValue("--consumer-id", null));
        assertEquals("p", consumer.matchedOptionValue("--topic-prefix", null));
        assertEquals(Path.of("/h"), consumer.matchedOptionValue("--hand-log", null));
    }

    @Test
    void aConsumerCommandLineWithASlowRecipientAndALowerTransactionTimeout() {
        List<String> args = new java.util.ArrayList<>(assembly.consumerArgs("consumer-0",
                Map.of("transaction.timeout.ms", "15000")));
        args.addAll(new LocalPipeline.Devices(0.01, 1, "slow-.*", 30_000).args(Path.of("/h")));

        ParseResult consumer = parse(args);

        assertEquals("slow-.*", consumer.matchedOptionValue("--slow-recipients", (Pattern) null).pattern());
        assertEquals(30_000L, (long) consumer.matchedOptionValue("--slow-delivery-ms", 0L));
        assertEquals(Map.of("transaction.timeout.ms", "15000"), consumer.matchedOptionValue("--property", Map.of()));
    }

    @Test
    void aRegistryCommandLineInPlaintextAndInSecureMode() {
        PipelineAssembly https = new PipelineAssembly("h:9092", "https://localhost:18081", "p");
        List<String> secure = new java.util.ArrayList<>(https.registryArgs());
        secure.addAll(List.of("--command-config", "/c/registry.properties", "--server-config", "/c/registry-server.properties"));

        ParseResult plain = parse(assembly.registryArgs());
        ParseResult tls = parse(secure);

        assertEquals("registry", plain.commandSpec().name());
        assertEquals("r", plain.matchedOptionValue("--host", null));
        assertEquals(8081, (int) plain.matchedOptionValue("--port", 0));
        assertEquals("h:9092", plain.matchedOptionValue("--bootstrap-servers", null));
        assertEquals(18081, (int) tls.matchedOptionValue("--port", 0));
        assertEquals(Path.of("/c/registry-server.properties"), tls.matchedOptionValue("--server-config", null));
        assertEquals(Path.of("/c/registry.properties"), tls.matchedOptionValue("--command-config", null));
    }
}
