package dev.courier.schemas.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Builds a {@link SchemaRegistryClient} from a {@code schema.registry.url} value.
 *
 * <ul>
 *   <li>{@code http://host:port} or {@code https://...}, possibly a comma-separated list of instances:
 *       an {@link HttpSchemaRegistryClient} (a new one per call; the caller closes it).</li>
 *   <li>{@code mem://<name>}: the process-wide {@link InMemorySchemaRegistryClient} called {@code name},
 *       created on first use and shared by every later call with the same name, so a test's serializer
 *       and deserializer configured from properties see the same schemas. Use a fresh name per test to
 *       start empty.</li>
 * </ul>
 */
public final class SchemaRegistryClients {

    public static final String IN_MEMORY_SCHEME = "mem://";

    private static final ConcurrentMap<String, InMemorySchemaRegistryClient> IN_MEMORY = new ConcurrentHashMap<>();

    private SchemaRegistryClients() {
    }

    /**
     * From a client's configs: {@code schema.registry.url} plus Confluent's credential and trust-store keys
     * ({@link RegistryClientSettings}); an in-memory URL ignores the latter.
     */
    public static SchemaRegistryClient fromConfigs(Map<String, ?> configs) {
        Object url = configs.get(RegistryClientSettings.URL_CONFIG);
        if (url == null || url.toString().trim().startsWith(IN_MEMORY_SCHEME)) {
            return fromUrl(url == null ? null : url.toString());
        }
        return new HttpSchemaRegistryClient(RegistryClientSettings.from(configs));
    }

    public static SchemaRegistryClient fromUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("schema registry url must not be blank");
        }
        String trimmed = url.trim();
        if (trimmed.startsWith(IN_MEMORY_SCHEME)) {
            String name = trimmed.substring(IN_MEMORY_SCHEME.length());
            if (name.isEmpty()) {
                throw new IllegalArgumentException("in-memory schema registry url needs a name: mem://<name>, got '" + url + "'");
            }
            return IN_MEMORY.computeIfAbsent(name, n -> new InMemorySchemaRegistryClient());
        }
        return new HttpSchemaRegistryClient(trimmed);
    }
}
