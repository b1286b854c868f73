package dev.courier.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.courier.consumer.DeliveryConsumerConfig;
import dev.courier.producer.CourierProducerConfig;
import dev.courier.streams.TrackerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PipelineAssemblyTest {

    private final PipelineAssembly assembly = new PipelineAssembly("h:9092", "mem://x", "p");

    @Test
    void everyComponentConnectsTheSameWayAndNamesItsGroupAfterThePrefix() {
        CourierProducerConfig producer = assembly.producerConfig();
        DeliveryConsumerConfig consumer = assembly.consumerConfig("c1", Map.of());
        TrackerConfig tracker = assembly.trackerConfig(Path.of("/tmp/state"), Map.of());

        assertEquals("h:9092", producer.bootstrapServers());
        assertEquals("h:9092", consumer.bootstrapServers());
        assertEquals("h:9092", tracker.getString(TrackerConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertEquals("p.send", producer.topics().send());
        assertEquals("p.send", consumer.topics().send());
        assertEquals("p.send", tracker.topics().send());
        assertEquals("p-delivery", consumer.groupId());
        assertEquals("c1", consumer.consumerId());
        assertEquals("p-tracker", tracker.getString(TrackerConfig.APPLICATION_ID_CONFIG));
        assertEquals(Path.of("/tmp/state").toAbsolutePath().toString(), tracker.getString(TrackerConfig.STATE_DIR_CONFIG));
    }

    @Test
    void overridesGoOnTop() {
        TrackerConfig tracker = assembly.trackerConfig(Path.of("/tmp/state"), Map.of(TrackerConfig.ACK_TIMEOUT_MS_CONFIG, 5_000L));

        assertEquals(5_000L, tracker.getLong(TrackerConfig.ACK_TIMEOUT_MS_CONFIG));
    }

    @Test
    void theRegistryListensWhereItsUrlPointsSoThatARestartOnTheSameCommandLineIsFoundThere() {
        PipelineAssembly withRegistry = new PipelineAssembly("h:9092", "https://localhost:18081", "p");

        assertEquals(List.of("registry", "--bootstrap-servers", "h:9092", "--host", "localhost", "--port", "18081"),
                withRegistry.registryArgs());
        assertThrows(IllegalStateException.class, assembly::registryArgs, "mem://x names no port");
    }

    @Test
    void theCommandLinesCarryTheSameConnectionNamesAndOverrides() {
        assertEquals(List.of("tracker", "--bootstrap-servers", "h:9092", "--registry-url", "mem://x", "--topic-prefix", "p",
                "--application-id", "p-tracker", "--state-dir", "/s", "--property", "ack.timeout.ms=10"),
                assembly.trackerArgs(Path.of("/s"), Map.of("ack.timeout.ms", 10)));
        assertEquals(List.of("consumer", "--bootstrap-servers", "h:9092", "--registry-url", "mem://x", "--topic-prefix", "p",
                "--group", "p-delivery", "--consumer-id", "c1"), assembly.consumerArgs("c1", Map.of()));
    }
}
