package dev.courier.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistrySecurityTest {

    @TempDir
    Path dir;

    @Test
    void aUsersFileInConfluentsFormatAuthenticatesItsUsersOnly() throws Exception {
        RegistrySecurity security = withUsers("producer: s3cret,developer\ntracker: other\n");

        assertTrue(security.authenticates(basic("producer:s3cret")));
        assertTrue(security.authenticates(basic("tracker:other")));
        assertFalse(security.authenticates(basic("producer:wrong")));
        assertFalse(security.authenticates(basic("nobody:s3cret")));
        assertFalse(security.authenticates(null));
        assertFalse(security.authenticates("Bearer abc"));
        assertFalse(security.authenticates("Basic not-base64!"));
    }

    @Test
    void theKeyStoreSettingsUseConfluentsNames() {
        RegistrySecurity security = RegistrySecurity.fromProperties(Map.of(
                "ssl.keystore.location", "/k.p12", "ssl.keystore.password", "pw"));

        assertEquals(Path.of("/k.p12"), security.tls().orElseThrow().keystore());
        assertEquals("pw", security.tls().orElseThrow().keyPassword());
        assertFalse(security.requiresAuthentication());
    }

    @Test
    void basicAuthWithoutAUsersFileOrAnUnknownMethodIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> RegistrySecurity.fromProperties(Map.of("authentication.method", "BASIC")));
        assertThrows(IllegalArgumentException.class,
                () -> RegistrySecurity.fromProperties(Map.of("authentication.method", "BEARER")));
    }

    @Test
    void healthNeedsNoCredentialsSoProbesKeepWorking() {
        assertTrue(RegistryApi.isHealth(java.util.List.of("health")));
        assertFalse(RegistryApi.isHealth(java.util.List.of("subjects")));
    }

    private RegistrySecurity withUsers(String lines) throws Exception {
        Path users = dir.resolve("users.properties");
        Files.writeString(users, lines);
        return RegistrySecurity.fromProperties(Map.of("authentication.method", "BASIC",
                "authentication.users.file", users.toString()));
    }

    private static String basic(String userInfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }
}
