package dev.courier.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the chaos and demo runs schedule, and the pipeline the chaos run asks for its faults. */
class ChaosPlanTest {

    private static ChaosRun chaos(Set<Fault> faults) {
        return new ChaosRun(new ChaosRun.Settings("Main", Path.of("/run"), faults, 200, 150, 0, 500, 0.01, 0.01, 30,
                20, Path.of("/run/r.json")), new Progress());
    }

    @Test
    void theChaosScheduleRunsEveryChosenFaultButPoisonInTheOrderOfTheEnum() {
        List<Fault> schedule = ChaosPlan.chaosSchedule(EnumSet.of(Fault.POISON, Fault.SLOW, Fault.REGISTRY,
                Fault.LEADER, Fault.OUTAGE, Fault.NONE));

        assertEquals(List.of(Fault.LEADER, Fault.OUTAGE, Fault.REGISTRY, Fault.SLOW), schedule);
    }

    @Test
    void everyFaultButPoisonAndNoneIsScheduledWhenAllAreChosen() {
        List<Fault> schedule = ChaosPlan.chaosSchedule(EnumSet.allOf(Fault.class));

        assertEquals(Fault.values().length - 2, schedule.size());
        assertEquals(Fault.SLOW, schedule.get(schedule.size() - 1), "the slow fault last, after the registry's");
    }

    @Test
    void withTheSlowFaultTheConsumersDevicesAreSlowForTheSlowRecipientPastTheirTransactionTimeout() {
        LocalPipeline.Settings layout = chaos(EnumSet.of(Fault.SLOW, Fault.CONSUMER)).layout(6);

        assertEquals(Map.of("transaction.timeout.ms", String.valueOf(SlowDelivery.TRANSACTION_TIMEOUT_MS)),
                layout.consumerProperties());
        LocalPipeline.Devices devices = layout.devices();
        assertTrue(SlowDelivery.RECIPIENT.matches(devices.slowRecipients()));
        assertTrue(!"user-0".matches(devices.slowRecipients()), "no recipient of the load is slow");
        assertTrue(devices.slowDeliveryMs() > SlowDelivery.TRANSACTION_TIMEOUT_MS + SlowDelivery.TIMEOUT_CHECK_MS,
                "past the timeout and the brokers' next check for it: " + devices.slowDeliveryMs());
        assertTrue(devices.slowDeliveryMs() <= 60_000, "the fault costs well under a minute or two");
        assertEquals(List.of("--drop-rate", "0.01", "--device-latency-ms", "1", "--hand-log", "/h",
                "--slow-recipients", "slow-.*", "--slow-delivery-ms", String.valueOf(SlowDelivery.DELIVERY_MS)),
                devices.args(Path.of("/h")));
    }

    @Test
    void withoutTheSlowFaultNobodyIsSlowAndTheConsumersKeepTheirDefaults() {
        LocalPipeline.Settings layout = chaos(EnumSet.of(Fault.CONSUMER, Fault.POISON)).layout(6);

        assertEquals(Map.of(), layout.consumerProperties());
        assertNull(layout.devices().slowRecipients());
        assertEquals(List.of("--drop-rate", "0.01", "--device-latency-ms", "1", "--hand-log", "/h"),
                layout.devices().args(Path.of("/h")));
    }

    @Test
    void theDemoRefusesTheFaultsThatNeedTheChaosLoad() {
        for (Fault chaosOnly : List.of(Fault.POISON, Fault.SLOW)) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> new DemoRun.Settings(
                    "Main", Path.of("/d"), 10, 2, EnumSet.of(Fault.BROKER, chaosOnly), 10, 1, 1, 1, 0, 0, 1000, 60, false));
            assertTrue(refused.getMessage().contains("courier chaos --faults " + chaosOnly.name().toLowerCase()),
                    refused.getMessage());
        }
    }
}
