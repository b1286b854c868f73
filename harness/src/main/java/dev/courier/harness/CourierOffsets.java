package dev.courier.harness;

/**
 * One read of where Courier's two consuming stages stand: the delivery consumers' group on the send topic
 * (the send topic is the queue; each record they commit was handed over and acked in that transaction) and
 * the tracker on the ack topic (without send tracking it reads nothing else).
 */
public record CourierOffsets(TopicProgress consumersOnSend, TopicProgress trackerOnAck) {

    /**
     * Whether both stages are within their slack: the consumers have committed all but {@code sendSlack} send
     * records, and the tracker all but {@code ackSlack} ack records (e.g. a trailing transaction marker each).
     */
    public boolean caughtUp(long sendSlack, long ackSlack) {
        return consumersOnSend.lag() <= sendSlack && trackerOnAck.lag() <= ackSlack;
    }
}
