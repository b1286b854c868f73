package dev.courier.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.courier.registry.CommandCodec.Proposal;
import dev.courier.registry.RegistryCommand.DeleteConfig;
import dev.courier.registry.RegistryCommand.DeleteSubject;
import dev.courier.registry.RegistryCommand.DeleteVersion;
import dev.courier.registry.RegistryCommand.Register;
import dev.courier.registry.RegistryCommand.SetConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandCodecTest {

    @Test
    void everyCommandSurvivesTheLogFormat() {
        List<RegistryCommand<?>> commands = List.of(new Register("s", Schemas.V1.toString()),
                new DeleteVersion("s", 3, true), new DeleteSubject("s", false),
                new SetConfig(null, CompatibilityLevel.FULL), new SetConfig("s", CompatibilityLevel.NONE),
                new DeleteConfig("s"));
        for (RegistryCommand<?> command : commands) {
            Proposal proposal = new Proposal("p-1", command);

            assertEquals(proposal, CommandCodec.decode(CommandCodec.value(proposal)));
        }
    }

    @Test
    void keysAreUniquePerProposalSoCompactionKeepsEveryRecord() {
        Register same = new Register("s", Schemas.V1.toString());

        assertNotEquals(CommandCodec.key(new Proposal("p-1", same)), CommandCodec.key(new Proposal("p-2", same)));
    }

    @Test
    void recordsThatAreNotProposalsAreNamed() {
        assertEquals("tombstone", assertThrows(IllegalArgumentException.class, () -> CommandCodec.decode(null)).getMessage());
        assertEquals("unknown record type 'SCHEMA'", assertThrows(IllegalArgumentException.class,
                () -> CommandCodec.decode("{\"type\":\"SCHEMA\",\"proposal\":\"x\",\"subject\":\"s\"}")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> CommandCodec.decode("{\"keytype\":\"SCHEMA\"}"));
        assertThrows(IllegalArgumentException.class, () -> CommandCodec.decode("not json"));
        assertEquals("unknown compatibility level 'SIDEWAYS' in SET_CONFIG record", assertThrows(IllegalArgumentException.class,
                () -> CommandCodec.decode("{\"type\":\"SET_CONFIG\",\"proposal\":\"x\",\"compatibility\":\"SIDEWAYS\"}")).getMessage());
    }
}
