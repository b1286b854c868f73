package dev.courier.harness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a Prometheus answer becomes the lines of a dashboard panel. */
class DashboardSnapshotTest {

    @Test
    void eachResultOfAMatrixIsALineNamedByTheLegendFormat() throws Exception {
        String answer = """
                {"status":"success","data":{"resultType":"matrix","result":[
                  {"metric":{"reason":"MAX_ATTEMPTS"},"values":[[1700000000,"0.5"],[1700000010,"NaN"],[1700000020,"1"]]},
                  {"metric":{"reason":"EXPIRED"},"values":[[1700000000,"0"]]}]}}""";

        List<DashboardSnapshot.Series> lines = DashboardSnapshot.parseMatrix(new ObjectMapper().readTree(answer),
                "{{reason}} letters", "rate(x[1m])");

        assertEquals(List.of("MAX_ATTEMPTS letters", "EXPIRED letters"), lines.stream().map(DashboardSnapshot.Series::legend).toList());
        assertEquals(2, lines.get(0).points().size(), "NaN points are left out");
        assertArrayEquals(new double[] {1700000020, 1}, lines.get(0).points().get(1));
    }

    @Test
    void withoutALegendFormatALineIsNamedByItsQuery() {
        assertEquals("sum(courier_pending)", DashboardSnapshot.legend("", Map.of(), "sum(courier_pending)"));
        assertEquals("/subjects 200", DashboardSnapshot.legend("{{route}} {{status}}", Map.of("route", "/subjects", "status", "200"), "q"));
    }

    @Test
    void statValuesCarryTheirUnit() {
        assertEquals("1,234 /s", DashboardSnapshot.format(1234.4, "ops"));
        assertEquals("0.25 s", DashboardSnapshot.format(0.25, "s"));
        assertEquals("17", DashboardSnapshot.format(17, "short"));
    }
}
