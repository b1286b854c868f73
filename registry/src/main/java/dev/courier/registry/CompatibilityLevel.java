package dev.courier.registry;

import java.util.Arrays;

/** Confluent's compatibility levels: which earlier versions a new schema is checked against, and how. */
public enum CompatibilityLevel {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    public static final CompatibilityLevel DEFAULT = BACKWARD;

    /** The new schema must read data written with the earlier ones. */
    final boolean backward;
    /** The earlier schemas must read data written with the new one. */
    final boolean forward;
    /** Against every earlier live version, not only the latest. */
    final boolean transitive;

    CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
        this.backward = backward;
        this.forward = forward;
        this.transitive = transitive;
    }

    /** Case-insensitive; {@link RegistryError} 42203 naming the allowed values otherwise. */
    public static CompatibilityLevel parse(String text) {
        String wanted = text == null ? "" : text.trim();
        for (CompatibilityLevel level : values()) {
            if (level.name().equalsIgnoreCase(wanted)) {
                return level;
            }
        }
        throw new RegistryError(RegistryError.INVALID_COMPATIBILITY, "Invalid compatibility level '" + text
                + "'. Valid values are " + Arrays.toString(values()));
    }
}
