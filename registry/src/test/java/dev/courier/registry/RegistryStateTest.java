package dev.courier.registry;

import static dev.courier.registry.Schemas.AGE_ONLY;
import static dev.courier.registry.Schemas.NEEDS_EMAIL;
import static dev.courier.registry.Schemas.OTHER;
import static dev.courier.registry.Schemas.V1;
import static dev.courier.registry.Schemas.V2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.registry.RegistryCommand.DeleteConfig;
import dev.courier.registry.RegistryCommand.DeleteSubject;
import dev.courier.registry.RegistryCommand.DeleteVersion;
import dev.courier.registry.RegistryCommand.Register;
import dev.courier.registry.RegistryCommand.Registration;
import dev.courier.registry.RegistryCommand.SetConfig;
import dev.courier.registry.RegistryState.SubjectVersion;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class RegistryStateTest {

    private final RegistryState state = new RegistryState();

    private Registration register(String subject, Schema schema) {
        return (Registration) state.apply(new Register(subject, schema.toString()));
    }

    private static void assertRefused(int errorCode, Executable action) {
        RegistryError e = assertThrows(RegistryError.class, action);
        assertEquals(errorCode, e.errorCode(), e.getMessage());
    }

    @Test
    void versionsCountPerSubjectAndIdsAreGlobalPerSchemaText() {
        assertEquals(new Registration(1, 1), register("a", V1));
        assertEquals(new Registration(2, 2), register("a", V2));
        assertEquals(new Registration(1, 1), register("b", V1));
        assertEquals(new Registration(3, 1), register("c", OTHER));

        assertEquals(List.of("a", "b", "c"), state.subjects(false));
        assertEquals(V2, state.version("a", -1, false).schema());
        assertEquals(List.of(new SubjectVersion("a", 1, 1, V1, false), new SubjectVersion("b", 1, 1, V1, false)),
                state.subjectVersionsOfId(1));
    }

    @Test
    void registeringALiveVersionAgainChangesNothing() {
        register("a", V1);

        assertEquals(new Registration(1, 1), register("a", new Schema.Parser().parse(V1.toString(true))));
        assertEquals(1, state.versions("a", true).size());
    }

    @Test
    void backwardByDefaultRefusesASchemaThatCannotReadTheLatest() {
        register("a", V1);

        RegistryError e = assertThrows(RegistryError.class, () -> register("a", NEEDS_EMAIL));

        assertEquals(409, e.errorCode());
        assertEquals(409, e.httpStatus());
        assertTrue(e.getMessage().contains("email"), e.getMessage());
        assertTrue(e.getMessage().contains("BACKWARD"), e.getMessage());
        assertEquals(1, state.versions("a", false).size());
    }

    @Test
    void forwardRefusesASchemaTheLatestCannotRead() {
        state.apply(new SetConfig("a", CompatibilityLevel.FORWARD));
        register("a", V2);

        assertRefused(409, () -> register("a", AGE_ONLY));
        assertEquals(2, register("a", NEEDS_EMAIL).version());
    }

    @Test
    void transitiveLevelsCheckEveryLiveVersionNotOnlyTheLatest() {
        Schema ageRequired = org.apache.avro.SchemaBuilder.record("User").namespace("t").fields()
                .requiredString("name").requiredInt("age").endRecord();
        register("plain", V1);
        register("plain", V2);
        state.apply(new SetConfig("transitive", CompatibilityLevel.BACKWARD_TRANSITIVE));
        register("transitive", V1);
        register("transitive", V2);

        assertEquals(3, register("plain", ageRequired).version());
        RegistryError e = assertThrows(RegistryError.class, () -> register("transitive", ageRequired));
        assertEquals(409, e.errorCode());
        assertTrue(e.getMessage().contains("age"), e.getMessage());
    }

    @Test
    void noneAcceptsAnything() {
        state.apply(new SetConfig(null, CompatibilityLevel.NONE));
        register("a", V1);

        assertEquals(2, register("a", OTHER).version());
    }

    @Test
    void invalidSchemaIsRefusedWithTheParsersMessage() {
        RegistryError e = assertThrows(RegistryError.class,
                () -> state.apply(new Register("a", "{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"f\",\"type\":\"nope\"}]}")));

        assertEquals(42201, e.errorCode());
        assertEquals(422, e.httpStatus());
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void softDeleteThenPermanentDeleteOfAVersion() {
        register("a", V1);
        register("a", V2);

        assertRefused(40407, () -> state.apply(new DeleteVersion("a", 1, true)));
        assertEquals(1, state.apply(new DeleteVersion("a", 1, false)));
        assertRefused(40406, () -> state.apply(new DeleteVersion("a", 1, false)));
        assertRefused(40402, () -> state.version("a", 1, false));
        assertTrue(state.version("a", 1, true).deleted());
        assertEquals(List.of(2), state.versions("a", false).stream().map(SubjectVersion::version).toList());

        assertEquals(1, state.apply(new DeleteVersion("a", 1, true)));
        assertRefused(40402, () -> state.version("a", 1, true));
        assertRefused(40402, () -> state.apply(new DeleteVersion("a", 9, false)));
        assertRefused(40401, () -> state.apply(new DeleteVersion("nobody", 1, false)));
    }

    @Test
    void subjectDeleteRulesFollowConfluent() {
        register("a", V1);
        register("a", V2);

        assertRefused(40405, () -> state.apply(new DeleteSubject("a", true)));
        assertEquals(List.of(1, 2), state.apply(new DeleteSubject("a", false)));
        assertRefused(40404, () -> state.apply(new DeleteSubject("a", false)));
        assertEquals(List.of(), state.subjects(false));
        assertEquals(List.of("a"), state.subjects(true));
        assertRefused(40401, () -> state.versions("a", false));

        assertEquals(List.of(1, 2), state.apply(new DeleteSubject("a", true)));
        assertEquals(List.of(), state.subjects(true));
        assertRefused(40401, () -> state.apply(new DeleteSubject("a", false)));
    }

    @Test
    void afterDeletesIdsStayAndVersionNumbersAreNotReused() {
        register("a", V1);
        state.apply(new DeleteSubject("a", false));

        assertEquals(new Registration(1, 2), register("a", V1));

        state.apply(new DeleteSubject("a", false));
        state.apply(new DeleteSubject("a", true));
        assertTrue(state.schemaById(1).isEmpty(), "no version refers to id 1 any more");
        assertEquals(new Registration(1, 3), register("a", V1));
        assertEquals(V1, state.schemaById(1).orElseThrow());
    }

    @Test
    void configPerSubjectFallsBackToGlobal() {
        assertEquals(CompatibilityLevel.BACKWARD, state.level("a"));
        assertRefused(40408, () -> state.subjectLevel("a"));
        assertRefused(40408, () -> state.apply(new DeleteConfig("a")));

        state.apply(new SetConfig(null, CompatibilityLevel.FULL));
        state.apply(new SetConfig("a", CompatibilityLevel.NONE));

        assertEquals(CompatibilityLevel.NONE, state.level("a"));
        assertEquals(CompatibilityLevel.FULL, state.level("b"));
        assertEquals(CompatibilityLevel.NONE, state.apply(new DeleteConfig("a")));
        assertEquals(CompatibilityLevel.FULL, state.level("a"));
    }

    @Test
    void compatibilityCheckAgainstOneVersionOrWhatRegistrationWouldCheck() {
        state.apply(new SetConfig("a", CompatibilityLevel.BACKWARD_TRANSITIVE));
        register("a", V1);
        register("a", V2);

        assertTrue(state.checkCompatibility("a", -1, V2).isEmpty());
        assertFalse(state.checkCompatibility("a", 1, NEEDS_EMAIL).isEmpty());
        assertTrue(state.checkCompatibility("unknown", -1, NEEDS_EMAIL).isEmpty());
        assertRefused(40401, () -> state.checkCompatibility("unknown", 1, V1));
        assertRefused(40402, () -> state.checkCompatibility("a", 7, V1));
    }

    @Test
    void compatibilityLevelsParseCaseInsensitivelyAndNameTheValidOnes() {
        assertEquals(CompatibilityLevel.FULL_TRANSITIVE, CompatibilityLevel.parse("full_transitive"));
        RegistryError e = assertThrows(RegistryError.class, () -> CompatibilityLevel.parse("SIDEWAYS"));
        assertEquals(42203, e.errorCode());
        assertTrue(e.getMessage().contains("SIDEWAYS") && e.getMessage().contains("BACKWARD_TRANSITIVE"), e.getMessage());
    }
}
