package com.example.backend;

import dev.courier.producer.CourierProducer;
import dev.courier.producer.CourierProducerConfig;
import dev.courier.producer.OutgoingMessage;
import dev.courier.producer.SendReceipt;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A tiny backend: publishes one chat message from alice to bob and carol, and prints the message id once Kafka
 * acknowledged every copy. Arguments: bootstrap servers, registry URL, topic prefix (default "courier").
 */
public final class PublishExample {

    public static void main(String[] args) throws Exception {
        CourierProducerConfig config = CourierProducerConfig.builder()
                .bootstrapServers(args[0]).schemaRegistryUrl(args[1]).topicPrefix(args.length > 2 ? args[2] : "courier")
                .build();
        try (CourierProducer producer = new CourierProducer(config)) {
            OutgoingMessage message = OutgoingMessage.builder()
                    .conversationId("team-chat").senderId("alice").recipients(List.of("bob", "carol"))
                    .payload("lunch at noon?".getBytes(StandardCharsets.UTF_8))
                    .build();
            SendReceipt receipt = producer.send(message).get();   // completes after acks=all for every copy
            System.out.println(receipt.messageId());
        }
    }
}
