package dev.courier.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.courier.harness.Fault;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class ChaosCommandTest {

    @Test
    void theCiProfileRunsEveryFaultTheSlowDeliveryAndTheRegistryKillIncluded() {
        ChaosCommand chaos = (ChaosCommand) Courier.commandLine().parseArgs("chaos", "--ci").subcommand()
                .commandSpec().userObject();

        assertEquals(EnumSet.complementOf(EnumSet.of(Fault.NONE, Fault.BROKER)), EnumSet.copyOf(chaos.faults),
                "every fault; broker is leader's first round");
    }
}
