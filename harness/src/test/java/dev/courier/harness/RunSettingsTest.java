package dev.courier.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link DemoRun.Settings} and {@link ChaosRun.Settings} are built by name and refuse what was left unset. */
class RunSettingsTest {

    private static final Path RUN = Path.of("work", "run-1");

    private static DemoRun.Settings.Builder demo() {
        return DemoRun.Settings.builder("Main", RUN).messages(100).recipients(10).rate(50).consumers(3).trackers(2)
                .partitions(6).ackTimeoutMs(1000).timeoutS(60);
    }

    private static ChaosRun.Settings.Builder chaos() {
        return ChaosRun.Settings.builder("Main", RUN).durationS(60).rate(100).conversations(50).reemitBudget(20);
    }

    @Test
    void aDemoIsBuiltByNameWithoutFaultsOrSecurityUnlessSet() {
        DemoRun.Settings settings = demo().faults(List.of(Fault.BROKER, Fault.NONE)).dropRate(0.01).deviceLatencyMs(2).build();
        assertEquals(100, settings.messages());
        assertEquals(10, settings.recipients());
        assertEquals(3, settings.consumers());
        assertEquals(2, settings.trackers());
        assertEquals(0.01, settings.dropRate());
        assertEquals(2, settings.deviceLatencyMs());
        assertEquals(EnumSet.of(Fault.BROKER), settings.faults(), "none is no fault");
        assertTrue(demo().build().faults().isEmpty() && !demo().build().secure());
    }

    @Test
    void aDemoRefusesACountLeftUnsetAndPoison() {
        IllegalArgumentException unset = assertThrows(IllegalArgumentException.class,
                () -> DemoRun.Settings.builder("Main", RUN).messages(100).build());
        assertTrue(unset.getMessage().contains("recipients 0"), unset.getMessage());
        assertThrows(IllegalArgumentException.class, () -> demo().faults(Set.of(Fault.POISON)).build());
    }

    @Test
    void chaosReportsNextToItsRunUnlessToldAndRefusesACountLeftUnset() {
        assertEquals(RUN.resolve("chaos-report.json"), chaos().build().report());
        assertEquals(Path.of("r.json"), chaos().report(Path.of("r.json")).build().report());
        assertEquals(0, chaos().build().messages(), "duration x rate");
        assertEquals(EnumSet.of(Fault.LEADER), chaos().faults(List.of(Fault.LEADER, Fault.NONE)).build().faults());
        IllegalArgumentException unset = assertThrows(IllegalArgumentException.class,
                () -> ChaosRun.Settings.builder("Main", RUN).durationS(60).rate(100).conversations(50).build());
        assertTrue(unset.getMessage().contains("reemitBudget 0.0"), unset.getMessage());
    }
}
