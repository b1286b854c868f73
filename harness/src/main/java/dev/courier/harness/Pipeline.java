package dev.courier.harness;

/**
 * One way of moving messages from a producer to consumers, as the bench drives it: same topic settings,
 * same keys, same payloads. Deliveries are reported to the {@link DeliveryListener} given at construction,
 * from the consumer threads.
 */
public interface Pipeline extends AutoCloseable {

    /** Hears of every message a pipeline hands to its application, on the consumer threads. */
    @FunctionalInterface
    interface DeliveryListener {
        void delivered(int partition, byte[] payload);
    }

    /** Short name used as the phase label: raw, share, courier. */
    String name();

    /** Creates topics, starts consumers (and anything else) and waits until they are ready. */
    void start() throws Exception;

    /** Publishes one message asynchronously; {@code onFailure} runs if Kafka does not acknowledge it. */
    void send(String key, byte[] payload, Runnable onFailure);

    /**
     * Where the stages after the hand-off stand, for a pipeline that has them (Courier: the consumers' commits
     * and the tracker); null if it has none, or if they could not be read this time.
     */
    default Downstream downstream() {
        return null;
    }

    /**
     * One read of a pipeline's later stages.
     *
     * @param committed messages the consumers have committed as handled so far (each with its ack); -1 if the
     *        hand-off is the commit
     * @param written records written so far to the later stage's input (Courier: the ack topic)
     * @param lag records of that input the later stage has not committed yet
     */
    record Downstream(long committed, long written, long lag) {
    }

    @Override
    void close() throws Exception;
}
