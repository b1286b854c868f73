package dev.courier.deploy;

import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.registry.RegistryClientSettings;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Secure mode of a {@link LocalCluster}: SASL_SSL with SCRAM-SHA-512 for clients and brokers, mutual TLS on the
 * controller listener, {@code StandardAuthorizer} ACLs with one principal per component, and the registry's HTTPS
 * key store and basic-auth users. Everything is generated when the cluster is formatted (a self-signed key pair made
 * by the JDK's {@code keytool}, random passwords) and kept under the cluster directory, never checked in:
 * <pre>
 *   security/keystore.p12, truststore.p12     the nodes' (and the registry's) certificate, and the trust store
 *   security/credentials.properties           every principal's password (owner-only file)
 *   security/registry-users.properties        the registry's basic-auth users (user: password)
 *   clients/&lt;principal&gt;.properties         a ready --command-config per principal: Kafka and registry client keys
 *   clients/registry-server.properties        the registry's --server-config (HTTPS, basic auth)
 * </pre>
 */
public final class ClusterSecurity {

    /** The principals, one per component; {@code admin} is the super user (and the brokers' inter-broker user). */
    public static final String ADMIN = "admin";
    public static final String PRODUCER = "producer";
    public static final String CONSUMER = "consumer";
    public static final String TRACKER = "tracker";
    public static final String REGISTRY = "registry";
    public static final String OPERATOR = "operator";
    public static final String GATEWAY = "gateway";
    public static final List<String> PRINCIPALS = List.of(ADMIN, PRODUCER, CONSUMER, TRACKER, REGISTRY, OPERATOR, GATEWAY);

    /** The registry's topic, whose ACL the registry principal gets. */
    public static final String SCHEMAS_TOPIC = "_schemas";
    public static final String MECHANISM = "SCRAM-SHA-512";
    /** Subject of the nodes' certificate: its principal on the controller listener (mutual TLS) is a super user. */
    static final String NODE_SUBJECT = "CN=courier-node";
    static final String SECURITY_DIR = "security";
    public static final String CLIENTS_DIR = "clients";
    public static final String REGISTRY_SERVER_CONFIG = "registry-server.properties";

    private static final Logger log = LoggerFactory.getLogger(ClusterSecurity.class);
    private static final String STORE_PASSWORD_KEY = "stores";
    private static final String SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule";
    private static final Duration KEYTOOL_TIMEOUT = Duration.ofSeconds(60);

    private final Path workDir;
    /** Principal (and {@link #STORE_PASSWORD_KEY}) to password. */
    private final Map<String, String> passwords;

    private ClusterSecurity(Path workDir, Map<String, String> passwords) {
        this.workDir = workDir;
        this.passwords = Map.copyOf(passwords);
    }

    /** Generates the key pair, trust store and passwords, and writes every file above. */
    static ClusterSecurity create(Path workDir) {
        SecureRandom random = new SecureRandom();
        Map<String, String> passwords = new LinkedHashMap<>();
        passwords.put(STORE_PASSWORD_KEY, password(random));
        PRINCIPALS.forEach(principal -> passwords.put(principal, password(random)));
        ClusterSecurity security = new ClusterSecurity(workDir, passwords);
        try {
            Files.createDirectories(security.securityDir());
            Files.createDirectories(workDir.resolve(CLIENTS_DIR));
            writePrivate(security.securityDir().resolve("credentials.properties"), passwords);
            security.generateStores();
            Map<String, String> users = new LinkedHashMap<>();
            PRINCIPALS.forEach(principal -> users.put(principal, passwords.get(principal)));
            writePrivate(security.registryUsersFile(), users);
            for (String principal : PRINCIPALS) {
                writePrivate(security.clientConfig(principal), security.clientProperties(principal));
            }
            writePrivate(security.registryServerConfig(), security.registryServerProperties());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the security files of " + workDir, e);
        }
        log.info("Secure mode: certificates, SCRAM users {} and client configs in {}", PRINCIPALS, security.clientsDir());
        return security;
    }

    /** The security of a cluster {@link #create created} earlier in {@code workDir}. */
    static ClusterSecurity read(Path workDir) {
        Properties props = new Properties();
        Path file = workDir.resolve(SECURITY_DIR).resolve("credentials.properties");
        try (Reader reader = Files.newBufferedReader(file)) {
            props.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " of the secure cluster in " + workDir, e);
        }
        Map<String, String> passwords = new LinkedHashMap<>();
        props.stringPropertyNames().forEach(name -> passwords.put(name, props.getProperty(name)));
        return new ClusterSecurity(workDir, passwords);
    }

    /** {@code <cluster dir>/clients}: one {@code <principal>.properties} per principal, and the registry's server config. */
    public Path clientsDir() {
        return workDir.resolve(CLIENTS_DIR);
    }

    /** The ready-to-use {@code --command-config} of {@code principal}: Kafka client and registry client keys. */
    public Path clientConfig(String principal) {
        return clientsDir().resolve(principal + ".properties");
    }

    /** The registry's {@code --server-config}: HTTPS key store, basic auth, users file. */
    public Path registryServerConfig() {
        return clientsDir().resolve(REGISTRY_SERVER_CONFIG);
    }

    /** What {@link #clientConfig} holds: the Kafka client keys of {@link #kafkaProperties}, then the registry's. */
    public Map<String, String> clientProperties(String principal) {
        Map<String, String> props = new LinkedHashMap<>(kafkaProperties(principal));
        props.putAll(registryClientProperties(principal));
        return props;
    }

    /** Kafka client properties that log in as {@code principal} over SASL_SSL and trust the nodes' certificate. */
    public Map<String, String> kafkaProperties(String principal) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        props.put(SaslConfigs.SASL_MECHANISM, MECHANISM);
        props.put(SaslConfigs.SASL_JAAS_CONFIG, jaas(principal, password(principal)));
        props.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, truststore().toString());
        props.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, storePassword());
        props.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        // A TLS handshake and a SCRAM exchange (4096 PBKDF2 rounds each side) on a busy machine with JVMs still warming
        // up can take longer than the 10 s default; a client giving up there only starts over.
        props.put(CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, "30000");
        props.put(CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, "60000");
        return props;
    }

    /** Registry client properties (Confluent's keys): basic auth as {@code principal}, trusting the registry's certificate. */
    public Map<String, String> registryClientProperties(String principal) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put(RegistryClientSettings.CREDENTIALS_SOURCE_CONFIG, "USER_INFO");
        props.put(RegistryClientSettings.USER_INFO_CONFIG, principal + ":" + password(principal));
        props.put(RegistryClientSettings.TRUSTSTORE_LOCATION_CONFIG, truststore().toString());
        props.put(RegistryClientSettings.TRUSTSTORE_PASSWORD_CONFIG, storePassword());
        props.put(RegistryClientSettings.TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        return props;
    }

    /** The registry's server config entries (see {@code dev.courier.registry.RegistrySecurity}). */
    public Map<String, String> registryServerProperties() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("ssl.keystore.location", keystore().toString());
        props.put("ssl.keystore.password", storePassword());
        props.put("ssl.keystore.type", "PKCS12");
        props.put("authentication.method", "BASIC");
        props.put("authentication.users.file", registryUsersFile().toString());
        return props;
    }

    /** {@code password} of {@code principal}; for tests that need to get it wrong on purpose. */
    public String password(String principal) {
        String password = passwords.get(principal);
        if (password == null) {
            throw new IllegalArgumentException("no principal " + principal + "; known: " + PRINCIPALS);
        }
        return password;
    }

    /** A JAAS line for SCRAM as {@code user} with {@code password}. */
    public static String jaas(String user, String password) {
        return SCRAM_LOGIN + " required username=\"" + user + "\" password=\"" + password + "\";";
    }

    /**
     * The nodes' security settings besides the listeners themselves: TLS stores, SCRAM for clients and between
     * brokers, mutual TLS on the controller listener, the authorizer and its super users.
     */
    Map<String, String> brokerProperties(String brokerListener, String controllerListener) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("ssl.keystore.location", keystore().toString());
        props.put("ssl.keystore.password", storePassword());
        props.put("ssl.key.password", storePassword());
        props.put("ssl.keystore.type", "PKCS12");
        props.put("ssl.truststore.location", truststore().toString());
        props.put("ssl.truststore.password", storePassword());
        props.put("ssl.truststore.type", "PKCS12");
        props.put("sasl.enabled.mechanisms", MECHANISM);
        props.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        props.put("listener.name." + brokerListener.toLowerCase() + "." + MECHANISM.toLowerCase() + ".sasl.jaas.config",
                jaas(ADMIN, password(ADMIN)));
        props.put("listener.name." + controllerListener.toLowerCase() + ".ssl.client.auth", "required");
        props.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        props.put("super.users", "User:" + ADMIN + ";User:" + NODE_SUBJECT);
        props.put("allow.everyone.if.no.acl.found", "false");
        return props;
    }

    /** Arguments of {@code kafka-storage format} that create every principal's SCRAM credential. */
    List<String> formatArguments() {
        List<String> args = new ArrayList<>();
        for (String principal : PRINCIPALS) {
            args.add("--add-scram");
            args.add(MECHANISM + "=[name=" + principal + ",password=" + password(principal) + "]");
        }
        return args;
    }

    /**
     * Each component's ACLs on the topics of {@code topics}: the producer writes send; the consumer reads send and
     * ack, writes ack and dead-letter, in its group and transactions ({@code courier-delivery*}); the tracker reads
     * and writes what its topology does, its internal topics, group and transactions ({@code courier-tracker*});
     * the registry owns {@value #SCHEMAS_TOPIC}; the operator tools read every Courier topic and write send (redrive,
     * replay, in {@code courier-replay-*} transactions) and commands (redeliver); the gateway writes send and keeps
     * its idempotency keys. Creating an ACL that exists is a no-op, so this may run on every start.
     */
    public static List<AclBinding> acls(CourierTopics topics) {
        List<AclBinding> acls = new ArrayList<>();
        topic(acls, PRODUCER, topics.send(), AclOperation.WRITE, AclOperation.DESCRIBE);

        topic(acls, CONSUMER, topics.send(), AclOperation.READ, AclOperation.DESCRIBE);
        topic(acls, CONSUMER, topics.ack(), AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE);
        topic(acls, CONSUMER, topics.deadLetter(), AclOperation.WRITE, AclOperation.DESCRIBE);
        prefixed(acls, CONSUMER, ResourceType.GROUP, "courier-delivery", AclOperation.READ, AclOperation.DESCRIBE);
        prefixed(acls, CONSUMER, ResourceType.TRANSACTIONAL_ID, "courier-delivery", AclOperation.WRITE, AclOperation.DESCRIBE);

        topic(acls, TRACKER, topics.send(), AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE);
        topic(acls, TRACKER, topics.ack(), AclOperation.READ, AclOperation.DESCRIBE);
        topic(acls, TRACKER, topics.status(), AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE);
        topic(acls, TRACKER, topics.deadLetter(), AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE);
        topic(acls, TRACKER, topics.trackers(), AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE);
        topic(acls, TRACKER, topics.commands(), AclOperation.READ, AclOperation.DESCRIBE);
        prefixed(acls, TRACKER, ResourceType.TOPIC, "courier-tracker", AclOperation.ALL); // changelogs, repartition topics
        prefixed(acls, TRACKER, ResourceType.GROUP, "courier-tracker", AclOperation.READ, AclOperation.DESCRIBE);
        prefixed(acls, TRACKER, ResourceType.TRANSACTIONAL_ID, "courier-tracker", AclOperation.WRITE, AclOperation.DESCRIBE);

        acls.add(new AclBinding(new ResourcePattern(ResourceType.TOPIC, SCHEMAS_TOPIC, PatternType.LITERAL), allow(REGISTRY, AclOperation.ALL)));

        String prefix = topics.send().substring(0, topics.send().lastIndexOf('.') + 1); // "courier."
        prefixed(acls, OPERATOR, ResourceType.TOPIC, prefix, AclOperation.READ, AclOperation.DESCRIBE);
        topic(acls, OPERATOR, topics.send(), AclOperation.WRITE);
        topic(acls, OPERATOR, topics.commands(), AclOperation.WRITE);
        prefixed(acls, OPERATOR, ResourceType.TRANSACTIONAL_ID, "courier-replay-", AclOperation.WRITE, AclOperation.DESCRIBE);

        topic(acls, GATEWAY, topics.send(), AclOperation.WRITE, AclOperation.DESCRIBE);
        topic(acls, GATEWAY, topics.idempotency(), AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE);
        return acls;
    }

    /** Creates {@link #acls} as the cluster's admin. */
    static void grant(Admin admin, CourierTopics topics) {
        List<AclBinding> acls = acls(topics);
        Poll.get(admin.createAcls(acls).all(), Duration.ofSeconds(30), "create ACLs");
        log.info("Granted {} ACLs to {}", acls.size(), PRINCIPALS.subList(1, PRINCIPALS.size()));
    }

    private static void topic(List<AclBinding> acls, String principal, String topic, AclOperation... operations) {
        for (AclOperation operation : operations) {
            acls.add(new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL), allow(principal, operation)));
        }
    }

    private static void prefixed(List<AclBinding> acls, String principal, ResourceType type, String prefix,
                                 AclOperation... operations) {
        for (AclOperation operation : operations) {
            acls.add(new AclBinding(new ResourcePattern(type, prefix, PatternType.PREFIXED), allow(principal, operation)));
        }
    }

    private static AccessControlEntry allow(String principal, AclOperation operation) {
        return new AccessControlEntry("User:" + principal, "*", operation, AclPermissionType.ALLOW);
    }

    private Path securityDir() {
        return workDir.resolve(SECURITY_DIR);
    }

    private Path keystore() {
        return securityDir().resolve("keystore.p12");
    }

    private Path truststore() {
        return securityDir().resolve("truststore.p12");
    }

    private Path registryUsersFile() {
        return securityDir().resolve("registry-users.properties");
    }

    private String storePassword() {
        return passwords.get(STORE_PASSWORD_KEY);
    }

    /** A self-signed key pair for localhost (the nodes' and the registry's), and a trust store holding its certificate. */
    private void generateStores() {
        Path certificate = securityDir().resolve("node.crt");
        // An EC key (P-256): a handshake costs the server a fraction of what RSA 2048 does.
        keytool("-genkeypair", "-alias", "courier", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "3650",
                "-dname", NODE_SUBJECT, "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-storetype", "PKCS12", "-keystore", keystore().toString(), "-storepass", storePassword(),
                "-keypass", storePassword());
        keytool("-exportcert", "-rfc", "-alias", "courier", "-keystore", keystore().toString(), "-storepass",
                storePassword(), "-file", certificate.toString());
        keytool("-importcert", "-noprompt", "-alias", "courier", "-file", certificate.toString(), "-storetype", "PKCS12",
                "-keystore", truststore().toString(), "-storepass", storePassword());
    }

    private void keytool(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Path output = securityDir().resolve("keytool.log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
            if (!process.waitFor(KEYTOOL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " took over " + KEYTOOL_TIMEOUT.toSeconds() + " s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("keytool " + args[0] + " failed (exit " + process.exitValue() + "): "
                        + Files.readString(output));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running keytool", e);
        }
    }

    private static String password(SecureRandom random) {
        byte[] bytes = new byte[18];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Writes {@code key=value} lines to a file only its owner may read. */
    private static void writePrivate(Path file, Map<String, String> entries) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Properties props = new Properties() {
            // keeps the insertion order in the file, for the reader's sake
            @Override
            public synchronized java.util.Set<Map.Entry<Object, Object>> entrySet() {
                java.util.Set<Map.Entry<Object, Object>> ordered = new java.util.LinkedHashSet<>();
                entries.forEach((k, v) -> ordered.add(Map.entry(k, v)));
                return ordered;
            }
        };
        props.putAll(entries);
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(writer, "Written by dev.courier.deploy.ClusterSecurity: secrets, do not share or check in");
        }
    }
}
