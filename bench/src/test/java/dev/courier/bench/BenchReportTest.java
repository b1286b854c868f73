package dev.courier.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchReportTest {

    @Test
    void everyContractKeyIsPresentAndUnmeasuredOnesAreNullAndListed() {
        BenchReport report = new BenchReport();
        report.put("raw_per_s", 1234.567);

        Map<String, Object> map = report.toMap();

        assertTrue(map.keySet().containsAll(BenchReport.KEYS));
        assertEquals(1234.57, map.get("raw_per_s"));
        assertNull(map.get("recovery_s"));
        assertTrue(((List<?>) map.get("not_measured")).contains("recovery_s"));
        assertTrue(!((List<?>) map.get("not_measured")).contains("raw_per_s"));
    }

    @Test
    void refusesAKeyOutsideTheContract() {
        assertThrows(IllegalArgumentException.class, () -> new BenchReport().put("raw_per_sec", 1.0));
    }
}
