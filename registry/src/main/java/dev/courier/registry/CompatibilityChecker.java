package dev.courier.registry;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/** Confluent's compatibility rules on top of Avro's {@link SchemaCompatibility}. No state. */
final class CompatibilityChecker {

    private CompatibilityChecker() {
    }

    /**
     * Why {@code candidate} may not follow {@code earlier} (oldest first, live versions only) under
     * {@code level}; empty when it may. Non-transitive levels look at the latest earlier version only.
     */
    static List<String> incompatibilities(Schema candidate, List<Schema> earlier, CompatibilityLevel level) {
        List<String> problems = new ArrayList<>();
        if (level == CompatibilityLevel.NONE || earlier.isEmpty()) {
            return problems;
        }
        List<Schema> against = level.transitive ? earlier : List.of(earlier.get(earlier.size() - 1));
        for (Schema previous : against) {
            if (level.backward) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(candidate, previous),
                        "new schema cannot read data written with an earlier schema", problems);
            }
            if (level.forward) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(previous, candidate),
                        "an earlier schema cannot read data written with the new schema", problems);
            }
        }
        return problems;
    }

    private static void describe(SchemaPairCompatibility result, String direction, List<String> problems) {
        if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        for (Incompatibility incompatibility : result.getResult().getIncompatibilities()) {
            problems.add("{errorType:'" + incompatibility.getType() + "', description:'" + direction + ": "
                    + incompatibility.getMessage() + "', location:'" + incompatibility.getLocation() + "'}");
        }
    }
}
