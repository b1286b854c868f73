package dev.courier.registry;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The registry's HTTPS key store and basic-auth users, read from a server config with Confluent Schema Registry's
 * key names where it has them: {@code ssl.keystore.location|password|type}, {@code ssl.key.password},
 * {@code authentication.method=BASIC}, and Courier's {@code authentication.users.file}, a password file in the
 * format Confluent's and Jetty's {@code PropertyFileLoginModule} read ({@code user: password[,role...]}, plain
 * passwords only). {@code GET /health} stays open (probes); every other request needs a known user.
 */
public record RegistrySecurity(Optional<Tls> tls, Map<String, String> users) {

    public static final String KEYSTORE_LOCATION_CONFIG = "ssl.keystore.location";
    public static final String KEYSTORE_PASSWORD_CONFIG = "ssl.keystore.password";
    public static final String KEYSTORE_TYPE_CONFIG = "ssl.keystore.type";
    public static final String KEY_PASSWORD_CONFIG = "ssl.key.password";
    public static final String AUTHENTICATION_METHOD_CONFIG = "authentication.method";
    public static final String USERS_FILE_CONFIG = "authentication.users.file";

    /** Plain HTTP, no authentication. */
    public static final RegistrySecurity NONE = new RegistrySecurity(Optional.empty(), Map.of());

    /** The server's key store (its certificate and private key). */
    public record Tls(Path keystore, String keystorePassword, String keystoreType, String keyPassword) {
    }

    public RegistrySecurity {
        users = Map.copyOf(users);
    }

    /** From a server config file; see the class comment for the keys. */
    public static RegistrySecurity fromFile(Path file) {
        return fromProperties(load(file));
    }

    /** From server config entries; see the class comment for the keys. */
    public static RegistrySecurity fromProperties(Map<String, String> config) {
        Optional<Tls> tls = Optional.ofNullable(config.get(KEYSTORE_LOCATION_CONFIG)).map(location -> new Tls(
                Path.of(location), config.get(KEYSTORE_PASSWORD_CONFIG), config.getOrDefault(KEYSTORE_TYPE_CONFIG, "PKCS12"),
                config.getOrDefault(KEY_PASSWORD_CONFIG, config.get(KEYSTORE_PASSWORD_CONFIG))));
        String method = config.getOrDefault(AUTHENTICATION_METHOD_CONFIG, "NONE").trim();
        Map<String, String> users = new HashMap<>();
        if (method.equals("BASIC")) {
            String usersFile = config.get(USERS_FILE_CONFIG);
            if (usersFile == null) {
                throw new IllegalArgumentException(AUTHENTICATION_METHOD_CONFIG + "=BASIC needs " + USERS_FILE_CONFIG);
            }
            load(Path.of(usersFile)).forEach((user, passwordAndRoles) -> users.put(user, passwordAndRoles.split(",")[0].trim()));
            if (users.isEmpty()) {
                throw new IllegalArgumentException(usersFile + " (" + USERS_FILE_CONFIG + ") lists no user");
            }
        } else if (!method.equals("NONE")) {
            throw new IllegalArgumentException(AUTHENTICATION_METHOD_CONFIG + " must be BASIC or NONE, got '" + method + "'");
        }
        return new RegistrySecurity(tls, users);
    }

    boolean requiresAuthentication() {
        return !users.isEmpty();
    }

    /** Whether an {@code Authorization} header value names a known user with the right password. */
    boolean authenticates(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return false;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return false;
        }
        String expected = users.get(decoded.substring(0, colon));
        byte[] given = decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
        // Compared in constant time, and a wrong user costs the same as a wrong password.
        byte[] wanted = (expected == null ? "\u0000" + decoded : expected).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, wanted) && expected != null;
    }

    private static Map<String, String> load(Path file) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            props.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> map = new HashMap<>();
        props.stringPropertyNames().forEach(name -> map.put(name, props.getProperty(name)));
        return map;
    }

    @Override
    public String toString() {
        return (tls.isPresent() ? "https" : "http") + (users.isEmpty() ? "" : ", basic auth (" + users.size() + " users)");
    }
}
