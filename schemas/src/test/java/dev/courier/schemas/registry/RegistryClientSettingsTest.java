package dev.courier.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RegistryClientSettingsTest {

    @Test
    void userInfoCredentialsBecomeABasicAuthorizationHeader() {
        RegistryClientSettings settings = RegistryClientSettings.from(Map.of(
                "schema.registry.url", "https://localhost:8081",
                "basic.auth.credentials.source", "USER_INFO",
                "basic.auth.user.info", "producer:s3cret"));

        assertEquals("Basic " + Base64.getEncoder().encodeToString("producer:s3cret".getBytes(StandardCharsets.UTF_8)),
                settings.authorizationHeader().orElseThrow());
    }

    @Test
    void theOlderPrefixedUserInfoKeyWorksToo() {
        RegistryClientSettings settings = RegistryClientSettings.from(Map.of(
                "schema.registry.url", "https://localhost:8081",
                "basic.auth.credentials.source", "USER_INFO",
                "schema.registry.basic.auth.user.info", "tracker:pw"));

        assertEquals(Optional.of("tracker:pw"), settings.userInfo());
    }

    @Test
    void likeConfluentUserInfoIsIgnoredUnlessTheSourceSaysUserInfo() {
        RegistryClientSettings settings = RegistryClientSettings.from(Map.of(
                "schema.registry.url", "https://localhost:8081", "basic.auth.user.info", "producer:s3cret"));

        assertFalse(settings.authorizationHeader().isPresent());
    }

    @Test
    void theUrlSourceTakesCredentialsFromTheUrlAndStripsThem() {
        RegistryClientSettings settings = RegistryClientSettings.from(Map.of(
                "schema.registry.url", "https://operator:pw@localhost:8081,https://operator:pw@localhost:8082"));

        assertEquals(Optional.of("operator:pw"), settings.userInfo());
        assertEquals("https://localhost:8081,https://localhost:8082", settings.urls());
    }

    @Test
    void anUnsupportedSourceOrUserInfoWithoutAColonIsAUsageError() {
        assertThrows(IllegalArgumentException.class, () -> RegistryClientSettings.from(Map.of(
                "schema.registry.url", "https://localhost:8081", "basic.auth.credentials.source", "SASL_INHERIT")));
        assertThrows(IllegalArgumentException.class, () -> RegistryClientSettings.from(Map.of(
                "schema.registry.url", "https://localhost:8081", "basic.auth.credentials.source", "USER_INFO",
                "basic.auth.user.info", "no-colon")));
    }

    @Test
    void aMissingTrustStoreIsNamedInTheError() {
        RegistryClientSettings settings = RegistryClientSettings.from(Map.of(
                "schema.registry.url", "https://localhost:8081",
                "schema.registry.ssl.truststore.location", "/no/such/truststore.p12",
                "schema.registry.ssl.truststore.password", "x"));

        assertEquals(Optional.of(Path.of("/no/such/truststore.p12")), settings.truststore());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, settings::sslContext);
        assertTrue(e.getMessage().contains("/no/such/truststore.p12"), e.getMessage());
    }

    @Test
    void securityEntriesAreTheRegistryKeysOnly() {
        Map<String, String> entries = RegistryClientSettings.securityEntries(Map.of(
                "security.protocol", "SASL_SSL", "basic.auth.user.info", "a:b",
                "schema.registry.ssl.truststore.location", "/t.p12"));

        assertEquals(Map.of("basic.auth.user.info", "a:b", "schema.registry.ssl.truststore.location", "/t.p12"), entries);
    }

    @Test
    void toStringNeverShowsThePassword() {
        RegistryClientSettings settings = RegistryClientSettings.from(Map.of(
                "schema.registry.url", "https://localhost:8081", "basic.auth.credentials.source", "USER_INFO",
                "basic.auth.user.info", "producer:s3cret"));

        assertFalse(settings.toString().contains("s3cret"), settings.toString());
    }
}
