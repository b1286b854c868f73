package dev.courier.registry;

/**
 * A change proposed to the registry: appended to the log, then applied by every instance, in log order,
 * with {@link RegistryState#apply}. Carries intent only (e.g. "register this text under this subject"),
 * never the outcome, so the outcome is decided by the log order alone.
 *
 * @param <R> what applying it yields
 */
sealed interface RegistryCommand<R> {

    /** The subject it concerns; null for the global config. */
    String subject();

    /** Register {@code schema} under {@code subject}; yields the id and version. */
    record Register(String subject, String schema) implements RegistryCommand<Registration> {
    }

    /** Soft-delete (or, once soft-deleted, permanently delete) one version; yields that version. */
    record DeleteVersion(String subject, int version, boolean permanent) implements RegistryCommand<Integer> {
    }

    /** Soft-delete every live version (or permanently delete a soft-deleted subject); yields the versions. */
    record DeleteSubject(String subject, boolean permanent) implements RegistryCommand<java.util.List<Integer>> {
    }

    /** Set the compatibility level of {@code subject}, or the global one when {@code subject} is null. */
    record SetConfig(String subject, CompatibilityLevel level) implements RegistryCommand<CompatibilityLevel> {
    }

    /** Remove {@code subject}'s own level, so the global one applies; yields the removed level. */
    record DeleteConfig(String subject) implements RegistryCommand<CompatibilityLevel> {
    }

    /** Where a registered schema stands. */
    record Registration(int id, int version) {
    }
}
