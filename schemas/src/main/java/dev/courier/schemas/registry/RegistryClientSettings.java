package dev.courier.schemas.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * How a client reaches a schema registry: its URL(s), credentials and trust store, read from Confluent's own
 * client keys so a Confluent client config works unchanged:
 * {@code schema.registry.url}, {@code basic.auth.credentials.source} ({@code USER_INFO} or {@code URL}, the default),
 * {@code basic.auth.user.info} ({@code user:password}; the older {@code schema.registry.basic.auth.user.info} too),
 * {@code schema.registry.ssl.truststore.location|password|type}.
 */
public record RegistryClientSettings(String urls, Optional<String> userInfo, Optional<Path> truststore,
                                     String truststorePassword, String truststoreType) {

    public static final String URL_CONFIG = "schema.registry.url";
    public static final String CREDENTIALS_SOURCE_CONFIG = "basic.auth.credentials.source";
    public static final String USER_INFO_CONFIG = "basic.auth.user.info";
    public static final String LEGACY_USER_INFO_CONFIG = "schema.registry.basic.auth.user.info";
    public static final String TRUSTSTORE_LOCATION_CONFIG = "schema.registry.ssl.truststore.location";
    public static final String TRUSTSTORE_PASSWORD_CONFIG = "schema.registry.ssl.truststore.password";
    public static final String TRUSTSTORE_TYPE_CONFIG = "schema.registry.ssl.truststore.type";

    /** The keys besides the URL that this class reads: credentials and trust, nothing a Kafka client uses. */
    public static final Set<String> SECURITY_KEYS = Set.of(CREDENTIALS_SOURCE_CONFIG, USER_INFO_CONFIG,
            LEGACY_USER_INFO_CONFIG, TRUSTSTORE_LOCATION_CONFIG, TRUSTSTORE_PASSWORD_CONFIG, TRUSTSTORE_TYPE_CONFIG);

    public RegistryClientSettings {
        if (urls == null || urls.isBlank()) {
            throw new IllegalArgumentException("schema registry url must not be blank");
        }
        userInfo.ifPresent(info -> {
            if (!info.contains(":")) {
                throw new IllegalArgumentException(USER_INFO_CONFIG + " must be user:password");
            }
        });
    }

    /** No credentials, the JDK's default trust. */
    public static RegistryClientSettings of(String urls) {
        return new RegistryClientSettings(urls, Optional.empty(), Optional.empty(), null, null);
    }

    /**
     * From a client's configs ({@link #URL_CONFIG} required); other keys are ignored.
     *
     * @throws IllegalArgumentException for an unknown credentials source or user info without a ':'
     */
    public static RegistryClientSettings from(Map<String, ?> configs) {
        String urls = string(configs, URL_CONFIG);
        if (urls == null) {
            throw new IllegalArgumentException(URL_CONFIG + " is required");
        }
        String source = Optional.ofNullable(string(configs, CREDENTIALS_SOURCE_CONFIG)).orElse("URL").trim();
        Optional<String> userInfo;
        switch (source) {
            case "USER_INFO" -> userInfo = Optional.ofNullable(string(configs, USER_INFO_CONFIG))
                    .or(() -> Optional.ofNullable(string(configs, LEGACY_USER_INFO_CONFIG)));
            case "URL" -> {
                userInfo = Optional.ofNullable(URI.create(urls.split(",")[0].trim()).getUserInfo());
                urls = withoutUserInfo(urls);
            }
            default -> throw new IllegalArgumentException(CREDENTIALS_SOURCE_CONFIG + " must be USER_INFO or URL, got '"
                    + source + "' (SASL_INHERIT is not supported)");
        }
        String location = string(configs, TRUSTSTORE_LOCATION_CONFIG);
        return new RegistryClientSettings(urls, userInfo, Optional.ofNullable(location).map(Path::of),
                string(configs, TRUSTSTORE_PASSWORD_CONFIG), string(configs, TRUSTSTORE_TYPE_CONFIG));
    }

    /** The entries of {@code configs} this class reads besides the URL (credentials, trust store), as strings. */
    public static Map<String, String> securityEntries(Map<String, ?> configs) {
        Map<String, String> entries = new HashMap<>();
        configs.forEach((key, value) -> {
            if (SECURITY_KEYS.contains(key) && value != null) {
                entries.put(key, value.toString());
            }
        });
        return entries;
    }

    /** {@code Basic <base64(user:password)>}, when there are credentials. */
    public Optional<String> authorizationHeader() {
        return userInfo.map(info -> "Basic " + Base64.getEncoder().encodeToString(info.getBytes(StandardCharsets.UTF_8)));
    }

    /** A TLS context trusting {@link #truststore()}, when one is set; otherwise empty (the JDK's default trust). */
    public Optional<SSLContext> sslContext() {
        if (truststore.isEmpty()) {
            return Optional.empty();
        }
        Path file = truststore.get();
        String type = truststoreType == null || truststoreType.isBlank() ? KeyStore.getDefaultType() : truststoreType;
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance(type);
            store.load(in, truststorePassword == null ? null : truststorePassword.toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return Optional.of(context);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot load the schema registry trust store " + file + " ("
                    + TRUSTSTORE_LOCATION_CONFIG + "): " + e.getMessage(), e);
        }
    }

    private static String string(Map<String, ?> configs, String key) {
        Object value = configs.get(key);
        if (value == null) {
            return null;
        }
        String text = value instanceof org.apache.kafka.common.config.types.Password password
                ? password.value() : value.toString();
        return text.isBlank() ? null : text;
    }

    private static String withoutUserInfo(String urls) {
        StringBuilder out = new StringBuilder();
        for (String part : urls.split(",")) {
            String url = part.trim();
            URI uri = URI.create(url);
            if (uri.getUserInfo() != null) {
                url = url.replace(uri.getRawUserInfo() + "@", "");
            }
            out.append(out.isEmpty() ? "" : ",").append(url);
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "RegistryClientSettings[urls=" + urls + ", user=" + userInfo.map(i -> i.substring(0, i.indexOf(':')))
                .orElse("none") + ", truststore=" + truststore.map(Path::toString).orElse("default") + "]";
    }
}
