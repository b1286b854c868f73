package dev.courier.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FaultLogTest {

    private final AtomicLong inFlight = new AtomicLong();
    private final FaultLog log = new FaultLog(System.currentTimeMillis(), inFlight::get);

    @Test
    void eachFaultRecordsTheDeliveriesInFlightTheMomentItStruck() {
        inFlight.set(42);
        FaultLog.Entry broker = log.begin("broker kill -9", "node-0");
        inFlight.set(7);

        assertEquals(42L, broker.inFlightAtFault);
        assertEquals(42L, Reconciliation.fault(broker).get("in_flight_at_fault"));
    }

    @Test
    void aFaultThatStruckABusyPipelineAndWhoseVictimCameBackIsNoProblem() {
        inFlight.set(3);
        log.recovered(log.begin("consumer kill -9", "consumer-0"));

        assertEquals(List.of(), FaultLog.problems(log.faults()));
    }

    @Test
    void aFaultThatStruckWithNothingInFlightIsAProblem() {
        inFlight.set(0);
        log.recovered(log.begin("tracker kill -9", "tracker-0"));

        List<String> problems = FaultLog.problems(log.faults());

        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains("no delivery in flight") && problems.get(0).contains("tracker kill -9"), problems.toString());
    }

    @Test
    void aFaultWhoseVictimDidNotComeBackAsItMustIsAProblem() {
        inFlight.set(5);
        FaultLog.Entry registry = log.begin("registry down + restart", "schema registry");
        log.problem(registry, "consumer-1 exited while the registry was unreachable");
        log.recovered(registry);

        assertEquals(List.of("registry down + restart: consumer-1 exited while the registry was unreachable"),
                FaultLog.problems(log.faults()));
        assertEquals("consumer-1 exited while the registry was unreachable", Reconciliation.fault(registry).get("problem"));
    }
}
