package dev.courier.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.consumer.DeliveryConsumer;
import dev.courier.consumer.DeliveryConsumerConfig;
import dev.courier.consumer.SimulatedDevices;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.CourierProducerConfig;
import dev.courier.producer.OutgoingMessage;
import dev.courier.producer.SendReceipt;
import dev.courier.registry.SchemaRegistryServer;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.TopicSpec;
import dev.courier.streams.DeliveryTracker;
import dev.courier.streams.TrackerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The end-to-end path on a single Kafka broker in a container, for machines with Docker. Where there is
 * no Docker engine (CI here), the class is skipped, and {@link PipelineIT} covers the same ground on
 * brokers the project starts itself.
 */
@Testcontainers(disabledWithoutDocker = true)
class TestcontainersPipelineIT {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.0.0");

    @Test
    void aMessageIsDeliveredAndSettledOnAContainerBroker() throws Exception {
        String bootstrap = KAFKA.getBootstrapServers();
        CourierTopics topics = CourierTopics.defaults();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(topics.specs(3).stream().map(TestcontainersPipelineIT::singleReplica).toList())
                    .all().get(1, TimeUnit.MINUTES);
        }
        Set<String> received = ConcurrentHashMap.newKeySet();
        try (SchemaRegistryServer registry = SchemaRegistryServer.builder().bootstrapServers(bootstrap).port(0)
                .replicationFactor(1).minInsyncReplicas(1).build().start();
             DeliveryTracker tracker = new DeliveryTracker(new TrackerConfig(Map.of(
                     TrackerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                     TrackerConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url(),
                     TrackerConfig.REPLICATION_FACTOR_CONFIG, 1,
                     TrackerConfig.STATE_DIR_CONFIG, Files.createTempDirectory("tc-tracker").toString())));
             DeliveryConsumer consumer = new DeliveryConsumer(new DeliveryConsumerConfig(Map.of(
                     DeliveryConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                     DeliveryConsumerConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url())),
                     SimulatedDevices.builder().onDelivered(d -> received.add(d.recipientId())).build());
             CourierProducer producer = new CourierProducer(new CourierProducerConfig(Map.of(
                     CourierProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                     CourierProducerConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url())))) {
            tracker.start();
            new Thread(consumer, "tc-consumer").start();
            SendReceipt receipt = producer.send(OutgoingMessage.builder().senderId("alice").conversationId("c")
                    .recipients("bob", "carol").payload("hi".getBytes(StandardCharsets.UTF_8)).build())
                    .get(1, TimeUnit.MINUTES);
            assertEquals(2, receipt.placements().size());
            await("both recipients received the message").atMost(Duration.ofMinutes(2))
                    .until(() -> received.equals(Set.of("bob", "carol")));
        }
    }

    private static NewTopic singleReplica(TopicSpec spec) {
        return new NewTopic(spec.name(), spec.partitions(), (short) 1).configs(spec.configs());
    }
}
