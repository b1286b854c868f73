package dev.courier.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.harness.PipelineAssembly;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
        args.addAll(List.of("--drop-rate", "0.01", "--device-latency-ms", "0", "--hand-log", "/h"));

        ParseResult consumer = parse(args);

        assertEquals("consumer", consumer.commandSpec().name());
        assertEquals("p-delivery", consumer.matchedOptionValue("--group", null));
        assertEquals("consumer-0", consumer.matchedOptionValue("--consumer-id", null));
        assertEquals("p", consumer.matchedOptionValue("--topic-prefix", null));
    }
}
