package dev.courier.harness;

/**
 * Every fault the demo and chaos runs can inject, by the name users type ({@code --faults broker,consumer}).
 * {@link FaultInjector#inject} does each one but {@link #POISON}, which the run mixes into the load; {@link #NONE}
 * stands for "no fault" on the command line. {@link #POISON} and {@link #SLOW} need the chaos run's load.
 */
public enum Fault {
    /** SIGKILL the leader of send partition 0, restart it. */
    BROKER,
    /** SIGKILL a busy partition's leader, twice, chasing the new leader. */
    LEADER,
    /** SIGKILL the active KRaft controller, restart it. */
    CONTROLLER,
    /** SIGSTOP a broker, SIGCONT after a while: frozen, not dead. */
    FREEZE,
    /** SIGKILL two of three brokers: writes must stall, not be acknowledged and lost. */
    MAJORITY,
    /** SIGKILL a delivery consumer mid-stream, restart it. */
    CONSUMER,
    /** SIGKILL a tracker (a transaction is open), restart it. */
    TRACKER,
    /** Every delivery consumer down at once for a while. */
    OUTAGE,
    /** A bad record in {@code _schemas} (a config with an unknown compatibility level): the registry must skip it. */
    SCHEMAS,
    /**
     * SIGKILL the schema registry's JVM while a delivery consumer restarts with an empty schema cache, then start
     * the registry again on the same port (empty cache, replaying {@code _schemas}).
     */
    REGISTRY,
    /**
     * A delivery slower than the consumers' transaction timeout (a recipient whose device keeps the Deliverer
     * waiting), behind a dead letter in its batch: it must be handed to the device once and committed.
     */
    SLOW,
    /** Bad records among the load: wrong magic byte, unknown schema id, undecodable, oversized, invalid, stray ack. */
    POISON,
    /** No fault. */
    NONE
}
