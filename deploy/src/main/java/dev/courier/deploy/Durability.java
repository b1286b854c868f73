package dev.courier.deploy;

/**
 * How many copies Courier's delivery promise needs on a cluster of {@code n} nodes: three replicas, of
 * which two must acknowledge an {@code acks=all} write, so that one node can die at any moment without
 * losing an acknowledged record or stopping writes. Smaller clusters get as much of that as they can hold
 * (two nodes: 2 replicas, 2 in sync; one node: 1 and 1).
 */
public final class Durability {

    private static final int FULL_REPLICATION = 3;
    private static final int FULL_MIN_IN_SYNC = 2;

    private Durability() {
    }

    /** Replicas of every topic, user or internal: {@code min(3, nodes)}. */
    public static short replicationFactor(int nodes) {
        requirePositive(nodes);
        return (short) Math.min(FULL_REPLICATION, nodes);
    }

    /** Replicas that must be in sync for an {@code acks=all} write to succeed: {@code min(2, nodes)}. */
    public static int minInsyncReplicas(int nodes) {
        requirePositive(nodes);
        return Math.min(FULL_MIN_IN_SYNC, nodes);
    }

    private static void requirePositive(int nodes) {
        if (nodes < 1) {
            throw new IllegalArgumentException("a cluster has at least one node, got " + nodes);
        }
    }
}
