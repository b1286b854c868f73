package dev.courier.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Request paths become bounded route templates: names and numbers never become tag values. */
class RegistryRoutesTest {

    @Test
    void subjectsVersionsAndIdsBecomeParameters() {
        assertEquals("/subjects/{subject}/versions/{version}/schema",
                RegistryRoutes.template(List.of("subjects", "orders-value", "versions", "latest", "schema")));
        assertEquals("/schemas/ids/{id}", RegistryRoutes.template(List.of("schemas", "ids", "42")));
        assertEquals("/compatibility/subjects/{subject}/versions/{version}",
                RegistryRoutes.template(List.of("compatibility", "subjects", "versions", "versions", "3")));
        assertEquals("/config/{subject}", RegistryRoutes.template(List.of("config", "orders-value")));
        assertEquals("/", RegistryRoutes.template(List.of()));
    }

    @Test
    void anUnknownSegmentIsOther() {
        assertEquals("/{other}/{other}", RegistryRoutes.template(List.of("wp-admin", "login.php")));
    }
}
