package dev.courier.bench;

/**
 * One way of moving messages from a producer to consumers, as the bench drives it: same topic settings,
 * same keys, same payloads. Deliveries are reported to {@link PhaseProbe#current()} of the probe given at
 * construction, from the consumer threads.
 */
public interface Pipeline extends AutoCloseable {

    /** Short name used as the phase label: raw, share, courier. */
    String name();

    /** Creates topics, starts consumers (and anything else) and waits until they are ready. */
    void start() throws Exception;

    /** Publishes one message asynchronously; {@code onFailure} runs if Kafka does not acknowledge it. */
    void send(String key, byte[] payload, Runnable onFailure);

    /** Messages written but not yet processed downstream, where the pipeline has more than one stage; -1 if none. */
    default long downstreamLag() {
        return -1;
    }

    @Override
    void close() throws Exception;
}
