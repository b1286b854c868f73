package dev.courier.registry;

import dev.courier.registry.RegistryCommand.DeleteConfig;
import dev.courier.registry.RegistryCommand.DeleteSubject;
import dev.courier.registry.RegistryCommand.DeleteVersion;
import dev.courier.registry.RegistryCommand.Register;
import dev.courier.registry.RegistryCommand.Registration;
import dev.courier.registry.RegistryCommand.SetConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.AvroRuntimeException;

/**
 * The registry's state and the rules that change it: a deterministic function of the commands applied,
 * in order. Every instance applies the same log with these rules and so holds the same state. No HTTP,
 * no Kafka. Thread-safe (one lock; applying and reading are both cheap).
 *
 * <p>Rules: a subject's versions are numbered 1, 2, 3... and a number is never reused, even after a
 * permanent delete. A schema text (canonical form, as Avro prints it) has one global id for life: a new
 * text gets the highest id so far plus one, a text seen before gets its id back, under any subject.
 * Registering a text that is a live version of the subject changes nothing and answers that version.
 */
final class RegistryState {

    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, Integer> idsByText = new HashMap<>();
    private final TreeMap<String, Subject> subjects = new TreeMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel = CompatibilityLevel.DEFAULT;
    private int maxId;

    /** One version of a subject, as the API shows it. */
    record SubjectVersion(String subject, int version, int id, Schema schema, boolean deleted) {
    }

    /** Kept after all its versions are permanently deleted, so version numbers are never reused. */
    private static final class Subject {
        final TreeMap<Integer, SubjectVersion> versions = new TreeMap<>();
        int maxVersion;

        List<SubjectVersion> live() {
            return versions.values().stream().filter(v -> !v.deleted()).toList();
        }
    }

    /** Parses a schema text; {@link RegistryError} 42201 with the parser's message if it is not valid Avro. */
    static Schema parse(String text) {
        if (text == null || text.isBlank()) {
            throw RegistryError.invalidSchema("empty schema");
        }
        try {
            return new Schema.Parser().parse(text);
        } catch (AvroRuntimeException | NullPointerException e) {
            throw RegistryError.invalidSchema(e.getMessage());
        }
    }

    /** Applies {@code command}; returns what it yields or throws the {@link RegistryError} that refuses it. */
    synchronized Object apply(RegistryCommand<?> command) {
        if (command instanceof Register register) {
            return register(register.subject(), parse(register.schema()));
        } else if (command instanceof DeleteVersion delete) {
            return deleteVersion(delete.subject(), delete.version(), delete.permanent());
        } else if (command instanceof DeleteSubject delete) {
            return deleteSubject(delete.subject(), delete.permanent());
        } else if (command instanceof SetConfig set) {
            if (set.subject() == null) {
                globalLevel = set.level();
            } else {
                subjectLevels.put(set.subject(), set.level());
            }
            return set.level();
        } else if (command instanceof DeleteConfig delete) {
            CompatibilityLevel removed = subjectLevels.remove(delete.subject());
            if (removed == null) {
                throw subjectConfigNotFound(delete.subject());
            }
            return removed;
        }
        throw new IllegalArgumentException("unknown command " + command);
    }

    private Registration register(String subjectName, Schema schema) {
        String text = schema.toString();
        Subject subject = subjects.get(subjectName);
        List<SubjectVersion> live = subject == null ? List.of() : subject.live();
        for (SubjectVersion version : live) {
            if (version.schema().toString().equals(text)) {
                return new Registration(version.id(), version.version());
            }
        }
        List<String> problems = CompatibilityChecker.incompatibilities(
                schema, live.stream().map(SubjectVersion::schema).toList(), level(subjectName));
        if (!problems.isEmpty()) {
            throw new RegistryError(RegistryError.INCOMPATIBLE, "Schema being registered is incompatible with an"
                    + " earlier schema for subject \"" + subjectName + "\" (compatibility " + level(subjectName)
                    + "), details: " + problems);
        }
        Integer id = idsByText.get(text);
        if (id == null) {
            id = ++maxId;
            idsByText.put(text, id);
            schemasById.put(id, schema);
        }
        if (subject == null) {
            subject = new Subject();
            subjects.put(subjectName, subject);
        }
        int version = ++subject.maxVersion;
        subject.versions.put(version, new SubjectVersion(subjectName, version, id, schemasById.get(id), false));
        return new Registration(id, version);
    }

    private int deleteVersion(String subjectName, int version, boolean permanent) {
        Subject subject = existing(subjectName);
        SubjectVersion found = subject.versions.get(version);
        if (found == null) {
            throw RegistryError.versionNotFound(subjectName, version);
        }
        if (!permanent) {
            if (found.deleted()) {
                throw new RegistryError(RegistryError.VERSION_SOFT_DELETED, "Subject '" + subjectName + "' Version "
                        + version + " was soft deleted. Set permanent=true to delete permanently");
            }
            subject.versions.put(version, new SubjectVersion(subjectName, version, found.id(), found.schema(), true));
        } else {
            if (!found.deleted()) {
                throw new RegistryError(RegistryError.VERSION_NOT_SOFT_DELETED, "Subject '" + subjectName
                        + "' Version " + version + " was not deleted first before being permanently deleted");
            }
            subject.versions.remove(version);
        }
        return version;
    }

    private List<Integer> deleteSubject(String subjectName, boolean permanent) {
        Subject subject = existing(subjectName);
        List<Integer> versions = new ArrayList<>();
        if (!permanent) {
            List<SubjectVersion> live = subject.live();
            if (live.isEmpty()) {
                throw new RegistryError(RegistryError.SUBJECT_SOFT_DELETED, "Subject '" + subjectName
                        + "' was soft deleted. Set permanent=true to delete permanently");
            }
            for (SubjectVersion v : live) {
                subject.versions.put(v.version(), new SubjectVersion(subjectName, v.version(), v.id(), v.schema(), true));
                versions.add(v.version());
            }
        } else {
            if (!subject.live().isEmpty()) {
                throw new RegistryError(RegistryError.SUBJECT_NOT_SOFT_DELETED, "Subject '" + subjectName
                        + "' was not deleted first before being permanently deleted");
            }
            versions.addAll(subject.versions.keySet());
            subject.versions.clear();
        }
        return versions;
    }

    private Subject existing(String subjectName) {
        Subject subject = subjects.get(subjectName);
        if (subject == null || subject.versions.isEmpty()) {
            throw RegistryError.subjectNotFound(subjectName);
        }
        return subject;
    }

    // ---- queries ----

    synchronized List<String> subjects(boolean includeDeleted) {
        return subjects.entrySet().stream()
                .filter(e -> includeDeleted ? !e.getValue().versions.isEmpty() : !e.getValue().live().isEmpty())
                .map(Map.Entry::getKey)
                .toList();
    }

    /** Versions of a subject, oldest first; 40401 if it has none (live ones, unless {@code includeDeleted}). */
    synchronized List<SubjectVersion> versions(String subjectName, boolean includeDeleted) {
        Subject subject = subjects.get(subjectName);
        List<SubjectVersion> versions = subject == null ? List.of()
                : includeDeleted ? List.copyOf(subject.versions.values()) : subject.live();
        if (versions.isEmpty()) {
            throw RegistryError.subjectNotFound(subjectName);
        }
        return versions;
    }

    /** One version; {@code version} -1 is the latest live one. 40401 / 40402 when absent. */
    synchronized SubjectVersion version(String subjectName, int version, boolean includeDeleted) {
        List<SubjectVersion> versions = versions(subjectName, includeDeleted);
        if (version == -1) {
            return versions.get(versions.size() - 1);
        }
        return versions.stream().filter(v -> v.version() == version).findFirst()
                .orElseThrow(() -> RegistryError.versionNotFound(subjectName, version));
    }

    /** The version of {@code subjectName} whose schema is {@code schema}, if registered. */
    synchronized Optional<SubjectVersion> find(String subjectName, Schema schema, boolean includeDeleted) {
        String text = schema.toString();
        Subject subject = subjects.get(subjectName);
        if (subject == null) {
            return Optional.empty();
        }
        return subject.versions.values().stream()
                .filter(v -> includeDeleted || !v.deleted())
                .filter(v -> v.schema().toString().equals(text))
                .reduce((first, second) -> second);
    }

    /** The schema with this id while some version (soft-deleted or not) still refers to it. */
    synchronized Optional<Schema> schemaById(int id) {
        return subjectVersionsOfId(id).isEmpty() ? Optional.empty() : Optional.ofNullable(schemasById.get(id));
    }

    synchronized List<SubjectVersion> subjectVersionsOfId(int id) {
        List<SubjectVersion> result = new ArrayList<>();
        for (Subject subject : subjects.values()) {
            subject.versions.values().stream().filter(v -> v.id() == id).forEach(result::add);
        }
        return result;
    }

    /** The level that applies to {@code subjectName}: its own, else the global one. */
    synchronized CompatibilityLevel level(String subjectName) {
        return subjectLevels.getOrDefault(subjectName, globalLevel);
    }

    synchronized CompatibilityLevel globalLevel() {
        return globalLevel;
    }

    /** The subject's own level; 40408 if it has none. */
    synchronized CompatibilityLevel subjectLevel(String subjectName) {
        CompatibilityLevel level = subjectLevels.get(subjectName);
        if (level == null) {
            throw subjectConfigNotFound(subjectName);
        }
        return level;
    }

    /**
     * Why {@code candidate} may not be registered under {@code subjectName} against {@code version}
     * ({@code -1}: against what registration would check, i.e. the latest or all live versions).
     */
    synchronized List<String> checkCompatibility(String subjectName, int version, Schema candidate) {
        CompatibilityLevel level = level(subjectName);
        if (version == -1) {
            Subject subject = subjects.get(subjectName);
            List<Schema> live = subject == null ? List.of() : subject.live().stream().map(SubjectVersion::schema).toList();
            return CompatibilityChecker.incompatibilities(candidate, live, level);
        }
        return CompatibilityChecker.incompatibilities(candidate, List.of(version(subjectName, version, false).schema()), level);
    }

    private static RegistryError subjectConfigNotFound(String subjectName) {
        return new RegistryError(RegistryError.SUBJECT_CONFIG_NOT_FOUND, "Subject '" + subjectName
                + "' does not have subject-level compatibility configured");
    }
}
