package dev.courier.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PhaseTimesTest {

    @Test
    void anEventBelongsToTheLastPhaseBegunAtOrBeforeIt() {
        PhaseTimes times = new PhaseTimes();
        times.begin("courier max", 1_000);
        times.begin("courier @50%", 2_000);

        assertEquals(PhaseTimes.BEFORE, times.phaseAt(999));
        assertEquals("courier max", times.phaseAt(1_999));
        assertEquals("courier @50%", times.phaseAt(2_000));
        assertEquals("courier @50%", times.phaseAt(9_000));
    }

    @Test
    void countsListEveryPhaseInOrderZerosIncluded() {
        PhaseTimes times = new PhaseTimes();
        times.begin("a", 1_000);
        times.begin("b", 2_000);
        times.begin("c", 3_000);

        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put("a", 2L);
        expected.put("b", 0L);
        expected.put("c", 1L);
        assertEquals(expected, times.countBy(List.of(1_100L, 1_200L, 3_500L)));
        assertEquals(List.of("a", "b", "c"), List.copyOf(times.countBy(List.of()).keySet()));
    }

    @Test
    void phasesBeginInTimeOrder() {
        PhaseTimes times = new PhaseTimes();
        times.begin("a", 2_000);

        assertThrows(IllegalStateException.class, () -> times.begin("b", 1_000));
    }
}
