package dev.courier.bench;

/**
 * Courier's maximum rate from its closed-loop phase: what the delivery consumers committed per second (each
 * committed send record is one ack in the same transaction), not what they handed to the Deliverer, since a
 * hand-off whose transaction aborts is handed over again. The tracker does not bound it: it keeps state only
 * for deliveries a consumer could not deliver, and its lag (on the ack topic) delays only their re-emits.
 *
 * @param perSecond the figure
 * @param bound why it is below the hand-off rate, or null when it is not (within {@link #TOLERANCE})
 */
record CourierMax(double perSecond, String bound) {

    /** Commits this much below the hand-offs are noise of the sampling, not a bound. */
    static final double TOLERANCE = 0.02;

    /**
     * @param handedPerSecond hand-offs to the Deliverer per second over the measured window
     * @param committedPerSecond send records the consumers committed per second over the same window; below 0 if
     *        it could not be read, and the hand-offs are used
     */
    static CourierMax of(double handedPerSecond, double committedPerSecond) {
        if (committedPerSecond < 0) {
            return new CourierMax(handedPerSecond, null);
        }
        String bound = committedPerSecond < handedPerSecond * (1 - TOLERANCE)
                ? "consumer commits: handed " + Math.round(handedPerSecond) + "/s to the Deliverer, committed "
                        + Math.round(committedPerSecond) + "/s"
                : null;
        return new CourierMax(Math.max(1, committedPerSecond), bound);
    }
}
