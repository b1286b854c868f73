package dev.courier.registry;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;

/** Example schemas for one evolving record. */
final class Schemas {
    /** name. */
    static final Schema V1 = SchemaBuilder.record("User").namespace("t").fields()
            .requiredString("name").endRecord();
    /** name, age with a default: backward and forward compatible with V1. */
    static final Schema V2 = SchemaBuilder.record("User").namespace("t").fields()
            .requiredString("name").name("age").type().intType().intDefault(0).endRecord();
    /** name, email without a default: cannot read V1 data (not backward compatible). */
    static final Schema NEEDS_EMAIL = SchemaBuilder.record("User").namespace("t").fields()
            .requiredString("name").requiredString("email").endRecord();
    /** age only (name dropped, age without default): V2 can read it? no: V2 needs name. */
    static final Schema AGE_ONLY = SchemaBuilder.record("User").namespace("t").fields()
            .name("age").type().intType().intDefault(0).endRecord();
    static final Schema OTHER = SchemaBuilder.record("Order").namespace("t").fields()
            .requiredLong("id").endRecord();

    private Schemas() {
    }
}
