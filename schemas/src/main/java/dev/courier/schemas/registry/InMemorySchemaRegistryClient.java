package dev.courier.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * A registry held in memory, for tests ({@code TopologyTestDriver}) and single-process demos; the
 * counterpart of Confluent's {@code MockSchemaRegistryClient}. Thread-safe.
 *
 * <p>Like the real registry, ids are global: one id per distinct schema text, shared by every subject that
 * registers it, assigned 1, 2, 3... in registration order. No compatibility checks are made.
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {

    private final Map<String, Integer> idsBySchemaText = new HashMap<>();
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, List<Integer>> idsBySubject = new HashMap<>();

    @Override
    public synchronized int register(String subject, Schema schema) {
        String text = schema.toString();
        Integer id = idsBySchemaText.get(text);
        if (id == null) {
            id = idsBySchemaText.size() + 1;
            idsBySchemaText.put(text, id);
            schemasById.put(id, schema);
        }
        List<Integer> versions = idsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        return id;
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw new SchemaRegistryException("Schema " + id + " not found.", 404, 40403, null);
        }
        return schema;
    }

    /** Ids registered under {@code subject}, oldest first (version n is element n-1); empty if none. */
    public synchronized List<Integer> idsOfSubject(String subject) {
        return List.copyOf(idsBySubject.getOrDefault(subject, List.of()));
    }
}
