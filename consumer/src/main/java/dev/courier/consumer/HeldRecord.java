package dev.courier.consumer;

import dev.courier.schemas.SendEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A send record held back for order ({@link ConversationGate}), kept in memory to be handed to the Deliverer
 * once its conversation's earlier messages are settled.
 *
 * @param possibleRedelivery whether it was flagged when read (it is flagged on release too)
 */
record HeldRecord(ConsumerRecord<String, byte[]> record, SendEvent event, boolean possibleRedelivery) {
}
