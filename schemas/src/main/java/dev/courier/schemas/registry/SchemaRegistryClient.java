package dev.courier.schemas.registry;

import java.io.Closeable;
import org.apache.avro.Schema;

/**
 * What Courier's serde needs from a schema registry that speaks the Confluent Schema Registry REST API.
 * Implementations cache: a schema's id never changes once assigned, so each (subject, schema) and each
 * id costs at most one round trip per process.
 */
public interface SchemaRegistryClient extends Closeable {

    /**
     * Registers {@code schema} under {@code subject} (or finds it if already registered) and returns its
     * global id. Fails with {@link SchemaRegistryException} when the registry refuses it (e.g.
     * incompatible, 409) or cannot be reached.
     */
    int register(String subject, Schema schema);

    /** The schema with global id {@code id}; {@link SchemaRegistryException} with status 404 if none. */
    Schema schemaById(int id);

    @Override
    default void close() {
    }
}
