package dev.courier.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.metrics.CourierMeters;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/grafana/courier-dashboard.json} graphs only what Courier exports: every metric its PromQL names is
 * one of {@link CourierMeters}' series, and every Courier meter has a panel.
 */
class GrafanaDashboardTest {

    private static final Path DASHBOARD = Path.of("grafana", "courier-dashboard.json");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    /** PromQL words that are not metric names (aggregations, modifiers); functions are told by their '('. */
    private static final Set<String> KEYWORDS = Set.of("sum", "max", "min", "avg", "count", "by", "without", "on",
            "ignoring", "and", "or", "unless", "offset", "bool");

    @Test
    void everyQueryNamesAMetricCourierExports() throws Exception {
        List<String> expressions = expressions();
        assertFalse(expressions.isEmpty(), "the dashboard has queries");
        Set<String> exported = CourierMeters.prometheusSeries();
        for (String expr : expressions) {
            Set<String> metrics = metricsIn(expr);
            assertFalse(metrics.isEmpty(), "query names no metric: " + expr);
            for (String metric : metrics) {
                assertTrue(exported.contains(metric), metric + " (in " + expr + ") is not a series Courier exports: " + exported);
            }
        }
    }

    @Test
    void everyCourierMeterHasAPanel() throws Exception {
        Set<String> used = new TreeSet<>();
        expressions().forEach(expr -> used.addAll(metricsIn(expr)));
        for (CourierMeters.Def def : CourierMeters.ALL) {
            assertTrue(used.stream().anyMatch(m -> m.startsWith(def.prometheusName())), def.name() + " is graphed nowhere");
        }
    }

    @Test
    void metricNamesAreToldFromFunctionsLabelsAndRanges() {
        assertEquals(Set.of("courier_delivery_latency_seconds_bucket"), metricsIn(
                "histogram_quantile(0.99, sum by (le) (rate(courier_delivery_latency_seconds_bucket{component=\"consumer\"}[1m])))"));
    }

    private static List<String> expressions() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<String> out = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> {
            assertFalse(panel.path("targets").isEmpty(), "panel '" + panel.path("title").asText() + "' has no query");
            panel.path("targets").forEach(t -> out.add(t.path("expr").asText()));
        });
        return out;
    }

    /** The metric names in a PromQL expression: identifiers that are not functions, keywords, labels or durations. */
    static Set<String> metricsIn(String expr) {
        String stripped = expr.replaceAll("\"[^\"]*\"", "")     // label values
                .replaceAll("\\{[^}]*}", "")                     // label matchers
                .replaceAll("\\[[^]]*]", "")                     // ranges
                .replaceAll("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)", ""); // grouping labels
        Set<String> metrics = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(stripped);
        while (m.find()) {
            String word = m.group();
            int next = m.end();
            while (next < stripped.length() && stripped.charAt(next) == ' ') {
                next++;
            }
            boolean function = next < stripped.length() && stripped.charAt(next) == '(';
            if (!function && !KEYWORDS.contains(word)) {
                metrics.add(word);
            }
        }
        return metrics;
    }
}
