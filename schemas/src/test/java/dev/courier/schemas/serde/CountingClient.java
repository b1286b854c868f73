package dev.courier.schemas.serde;

import dev.courier.schemas.registry.SchemaRegistryClient;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/** Wraps a client and counts the calls that reach it. */
final class CountingClient implements SchemaRegistryClient {
    private final SchemaRegistryClient delegate;
    final AtomicInteger registers = new AtomicInteger();
    final AtomicInteger lookups = new AtomicInteger();

    CountingClient(SchemaRegistryClient delegate) {
        this.delegate = delegate;
    }

    @Override
    public int register(String subject, Schema schema) {
        registers.incrementAndGet();
        return delegate.register(subject, schema);
    }

    @Override
    public Schema schemaById(int id) {
        lookups.incrementAndGet();
        return delegate.schemaById(id);
    }
}
