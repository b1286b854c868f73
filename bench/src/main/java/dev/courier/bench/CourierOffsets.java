package dev.courier.bench;

/**
 * One read of where Courier's two consuming stages stand: the delivery consumers' group on the send topic
 * (the send topic is the queue; each record they commit was handed over and acked in that transaction) and
 * the tracker on the ack topic (without send tracking it reads nothing else).
 */
record CourierOffsets(TopicProgress consumersOnSend, TopicProgress trackerOnAck) {

    /**
     * Whether both stages are within their slack: the consumers have committed all but {@code sendSlack} send
     * records, and the tracker all but {@code ackSlack} ack records (e.g. a trailing transaction marker each).
     */
    boolean caughtUp(long sendSlack, long ackSlack) {
        return consumersOnSend.lag() <= sendSlack && trackerOnAck.lag() <= ackSlack;
    }
}
