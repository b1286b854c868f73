package dev.courier.consumer;

/**
 * The application's side of delivery: push one message to one recipient (a device, a socket, a mailbox).
 * Called by the {@link DeliveryConsumer} thread, one delivery at a time, in partition order.
 *
 * <p>Return {@link DeliveryOutcome#RETRY} when the recipient cannot be reached now; a thrown exception
 * counts as RETRY too (it is logged with the record's coordinates, never the payload). Delivery is
 * at-least-once towards the Deliverer only after a crash or an aborted transaction; such a repeat is
 * flagged {@link Delivery#possibleRedelivery()}, so make delivery idempotent on (messageId, recipientId).
 */
@FunctionalInterface
public interface Deliverer {

    DeliveryOutcome deliver(Delivery delivery) throws Exception;
}
