package dev.courier.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryClientTest {

    private static final Schema V1 = SchemaBuilder.record("Thing").namespace("t").fields()
            .requiredString("name").endRecord();
    private static final Schema V2 = SchemaBuilder.record("Thing").namespace("t").fields()
            .requiredString("name").optionalInt("size").endRecord();

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    @Test
    void idsAreGlobalPerDistinctSchemaAndVersionsPerSubject() {
        int v1 = registry.register("a-value", V1);
        int again = registry.register("a-value", new Schema.Parser().parse(V1.toString()));
        int v2 = registry.register("a-value", V2);
        int elsewhere = registry.register("b-value", V1);

        assertEquals(1, v1);
        assertEquals(v1, again);
        assertNotEquals(v1, v2);
        assertEquals(v1, elsewhere);
        assertEquals(List.of(v1, v2), registry.idsOfSubject("a-value"));
        assertEquals(V2, registry.schemaById(v2));
    }

    @Test
    void unknownIdIsA40403() {
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> registry.schemaById(99));

        assertEquals(404, e.httpStatus());
        assertEquals(40403, e.errorCode());
    }

    @Test
    void memUrlsNameSharedInstancesAndHttpUrlsMakeHttpClients() {
        SchemaRegistryClient first = SchemaRegistryClients.fromUrl("mem://clients-test");

        assertSame(first, SchemaRegistryClients.fromUrl("mem://clients-test"));
        assertNotEquals(first, SchemaRegistryClients.fromUrl("mem://clients-test-other"));
        assertInstanceOf(HttpSchemaRegistryClient.class, SchemaRegistryClients.fromUrl("http://localhost:8081"));
        assertThrows(IllegalArgumentException.class, () -> SchemaRegistryClients.fromUrl("mem://"));
    }
}
