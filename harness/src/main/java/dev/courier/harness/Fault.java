package dev.courier.harness;

/**
 * Every fault the demo and chaos runs can inject, by the name users type ({@code --faults broker,consumer}).
 * {@link FaultInjector#inject} does each process fault; {@link #POISON} is mixed into the load by the run, and
 * {@link #NONE} stands for "no fault" on the command line.
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
     * The schema registry stopped while a delivery consumer restarts with an empty schema cache, then a new
     * registry instance on the same port (empty cache, replaying {@code _schemas}).
     */
    REGISTRY,
    /** Bad records among the load: wrong magic byte, unknown schema id, undecodable, oversized, invalid, stray ack. */
    POISON,
    /** No fault. */
    NONE
}
