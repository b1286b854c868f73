package dev.courier.registry;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The route template of a registry request path, for metrics: {@code /subjects/orders-value/versions/3} is
 * {@code /subjects/{subject}/versions/{version}}. Names and numbers never become tag values, so the number of
 * routes stays bounded whatever clients ask for.
 */
final class RegistryRoutes {

    private static final Map<String, String> PARAMETER_AFTER = Map.of(
            "subjects", "{subject}", "versions", "{version}", "ids", "{id}", "config", "{subject}", "mode", "{subject}");
    private static final Set<String> LITERALS = Set.of(
            "subjects", "versions", "schema", "schemas", "ids", "types", "compatibility", "config", "mode", "health",
            "referencedby");

    private RegistryRoutes() {
    }

    static String template(List<String> segments) {
        if (segments.isEmpty()) {
            return "/";
        }
        StringJoiner route = new StringJoiner("/", "/", "");
        String previous = null;
        for (String segment : segments) {
            String parameter = previous == null ? null : PARAMETER_AFTER.get(previous);
            String part = parameter != null ? parameter : LITERALS.contains(segment) ? segment : "{other}";
            route.add(part);
            previous = parameter != null ? null : part;
        }
        return route.toString();
    }
}
