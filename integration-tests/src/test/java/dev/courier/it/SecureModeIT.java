package dev.courier.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.courier.cli.Courier;
import dev.courier.cli.ExitCodes;
import dev.courier.consumer.DeliveryConsumer;
import dev.courier.consumer.DeliveryConsumerConfig;
import dev.courier.consumer.SimulatedDevices;
import dev.courier.deploy.ClusterSecurity;
import dev.courier.deploy.LocalCluster;
import dev.courier.producer.CourierProducer;
import dev.courier.producer.CourierProducerConfig;
import dev.courier.producer.OutgoingMessage;
import dev.courier.registry.RegistrySecurity;
import dev.courier.registry.SchemaRegistryServer;
import dev.courier.schemas.CourierTopics;
import dev.courier.schemas.DeadLetter;
import dev.courier.schemas.DeadLetterReason;
import dev.courier.schemas.DeliveryAck;
import dev.courier.schemas.AckStatus;
import dev.courier.schemas.registry.HttpSchemaRegistryClient;
import dev.courier.schemas.registry.RegistryClientSettings;
import dev.courier.schemas.registry.SchemaRegistryException;
import dev.courier.schemas.serde.CourierSerdes;
import dev.courier.streams.DeliveryTracker;
import dev.courier.streams.TrackerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Secure mode on real brokers: a 1-node cluster of its own started with {@code secure(true)} (SASL_SSL, SCRAM-SHA-512,
 * ACLs per component) and the registry over HTTPS with basic auth. Wrong credentials, a write the ACLs do not allow, a
 * plaintext client and an anonymous registry write are refused and leave nothing behind; the pipeline delivers with a
 * principal per component.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecureModeIT {

    private static final CourierTopics TOPICS = CourierTopics.defaults();

    private LocalCluster cluster;
    private ClusterSecurity security;
    private SchemaRegistryServer registry;
    private final List<AutoCloseable> running = new ArrayList<>();

    @BeforeAll
    void startASecureClusterAndRegistry() {
        Path dir = Path.of("target", "it-secure-cluster-" + ProcessHandle.current().pid());
        cluster = LocalCluster.builder().nodes(1).workDir(dir).brokerHeap("384m").secure(true).build();
        cluster.start();
        cluster.createTopics(TOPICS.specs(2));
        cluster.grantAcls(TOPICS);
        security = cluster.security();
        registry = SchemaRegistryServer.builder().bootstrapServers(cluster.bootstrapServers()).port(0)
                .clientProperties(security.kafkaProperties(ClusterSecurity.REGISTRY))
                .security(RegistrySecurity.fromFile(security.registryServerConfig()))
                .build().start();
    }

    @AfterAll
    void stopEverything() throws Exception {
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close();
        }
        if (registry != null) {
            registry.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aWrongPasswordIsRefusedAsAnAuthenticationFailureAndNothingIsWritten() throws Exception {
        Map<String, Long> before = endOffsets(TOPICS.send());
        Map<String, Object> props = new HashMap<>(security.kafkaProperties(ClusterSecurity.PRODUCER));
        props.put(SaslConfigs.SASL_JAAS_CONFIG, ClusterSecurity.jaas(ClusterSecurity.PRODUCER, "not-the-password"));

        Throwable refused = sendRaw(props, TOPICS.send());

        assertInstanceOf(SaslAuthenticationException.class, refused, "refused as: " + refused);
        assertTrue(refused.getMessage().contains("Authentication failed"), refused.getMessage());
        assertEquals(before, endOffsets(TOPICS.send()));
    }

    @Test
    void aPrincipalWritingATopicItsAclDoesNotAllowIsRefusedAndNothingIsWritten() throws Exception {
        Map<String, Long> sendBefore = endOffsets(TOPICS.send());
        Map<String, Long> deadLettersBefore = endOffsets(TOPICS.deadLetter());

        Throwable consumerWritingSend = sendRaw(security.kafkaProperties(ClusterSecurity.CONSUMER), TOPICS.send());
        Throwable producerWritingDeadLetters = sendRaw(security.kafkaProperties(ClusterSecurity.PRODUCER), TOPICS.deadLetter());

        assertInstanceOf(TopicAuthorizationException.class, consumerWritingSend, "refused as: " + consumerWritingSend);
        assertTrue(consumerWritingSend.getMessage().contains(TOPICS.send()), consumerWritingSend.getMessage());
        assertInstanceOf(TopicAuthorizationException.class, producerWritingDeadLetters, "refused as: " + producerWritingDeadLetters);
        assertEquals(sendBefore, endOffsets(TOPICS.send()));
        assertEquals(deadLettersBefore, endOffsets(TOPICS.deadLetter()));
    }

    /**
     * A Kafka client cannot tell a TLS listener it speaks plaintext to from a broker that is down (it times out); the
     * broker says it clearly in its log: the refusal is asserted there.
     */
    @Test
    void aPlaintextClientIsRefusedAtTheTlsHandshakeAndWritesNothing() throws Exception {
        Map<String, Long> before = endOffsets(TOPICS.send());
        long handshakeFailuresBefore = brokerLogLines("(SSL handshake failed)");

        Throwable refused = sendRaw(Map.of(), TOPICS.send());

        assertInstanceOf(TimeoutException.class, refused, "refused as: " + refused);
        await("the broker logged the refused TLS handshake").atMost(Duration.ofSeconds(30))
                .until(() -> brokerLogLines("(SSL handshake failed)") > handshakeFailuresBefore);
        assertEquals(before, endOffsets(TOPICS.send()));
    }

    private long brokerLogLines(String containing) throws java.io.IOException {
        try (var lines = Files.lines(cluster.workDir().resolve("node-0").resolve("logs").resolve("server.log"))) {
            return lines.filter(line -> line.contains("Failed authentication") && line.contains(containing)).count();
        }
    }

    @Test
    void aRegistryWriteWithoutOrWithWrongCredentialsIsRefusedWith401AndRegistersNothing() {
        Map<String, String> trustOnly = new HashMap<>(security.registryClientProperties(ClusterSecurity.PRODUCER));
        trustOnly.keySet().removeAll(Set.of(RegistryClientSettings.CREDENTIALS_SOURCE_CONFIG, RegistryClientSettings.USER_INFO_CONFIG));
        Map<String, String> wrongPassword = new HashMap<>(security.registryClientProperties(ClusterSecurity.PRODUCER));
        wrongPassword.put(RegistryClientSettings.USER_INFO_CONFIG, ClusterSecurity.PRODUCER + ":not-the-password");
        Schema schema = Schema.create(Schema.Type.STRING);

        for (Map<String, String> credentials : List.of(trustOnly, wrongPassword)) {
            try (HttpSchemaRegistryClient client = registryClient(credentials)) {
                SchemaRegistryException refused = assertThrows(SchemaRegistryException.class,
                        () -> client.register("anonymous-value", schema));
                assertEquals(401, refused.httpStatus(), refused.getMessage());
                assertTrue(refused.isAuthFailure() && refused.getMessage().contains("basic authentication"), refused.getMessage());
            }
        }
        try (HttpSchemaRegistryClient admin = registryClient(security.registryClientProperties(ClusterSecurity.ADMIN))) {
            SchemaRegistryException unknown = assertThrows(SchemaRegistryException.class, () -> admin.schemaById(999));
            assertTrue(unknown.isNotFound(), "an authenticated read is answered: " + unknown.getMessage());
        }
        assertFalse(registrySubjects().contains("anonymous-value"));
    }

    @Test
    void messagesArePublishedAndDeliveredWithAPrincipalPerComponent() throws Exception {
        DeliveryTracker tracker = new DeliveryTracker(new TrackerConfig(trackerConfig()));
        running.add(tracker);
        tracker.start();
        tracker.awaitRunning(Duration.ofMinutes(2));
        Map<String, Integer> received = new ConcurrentHashMap<>();
        DeliveryConsumer consumer = new DeliveryConsumer(new DeliveryConsumerConfig(consumerConfig()),
                SimulatedDevices.builder().latency(Duration.ZERO, Duration.ZERO)
                        .onDelivered(d -> received.merge(CourierTopics.deliveryKey(d.messageId(), d.recipientId()), 1, Integer::sum))
                        .build());
        running.add(consumer);
        Thread thread = new Thread(consumer, "secure-consumer");
        thread.setDaemon(true);
        thread.start();

        List<String> sent = new ArrayList<>();
        try (CourierProducer producer = new CourierProducer(new CourierProducerConfig(producerConfig()))) {
            for (int i = 0; i < 5; i++) {
                String recipient = "user-" + i;
                String messageId = producer.send(OutgoingMessage.builder().senderId("secure-it").recipients(recipient)
                        .conversationId("c-" + i).payload(("hello " + i).getBytes(StandardCharsets.UTF_8)).build())
                        .get().messageId();
                sent.add(CourierTopics.deliveryKey(messageId, recipient));
            }
        }

        await("5 messages delivered once each through the secure cluster").atMost(Duration.ofMinutes(2))
                .until(() -> sent.stream().allMatch(key -> received.getOrDefault(key, 0) == 1));
        await("their DELIVERED acks committed").atMost(Duration.ofMinutes(1)).until(() -> {
            try (HttpSchemaRegistryClient admin = registryClient(security.registryClientProperties(ClusterSecurity.ADMIN))) {
                return SecureReader.acks(cluster, TOPICS.ack(), admin).stream()
                        .filter(ack -> ack.getStatus() == AckStatus.DELIVERED)
                        .map(ack -> CourierTopics.deliveryKey(ack.getMessageId(), ack.getRecipientId()))
                        .toList().containsAll(sent);
            }
        });
    }

    @Test
    void anOperatorCommandConnectsThroughItsCommandConfigAndAForbiddenOneExitsWith4() {
        String[] connection = {"--bootstrap-servers", cluster.bootstrapServers(), "--registry-url", registry.url(),
                "--timeout", "20s"};

        int dlqList = run(concat(new String[] {"dlq", "list", "--json", "--command-config",
                security.clientConfig(ClusterSecurity.OPERATOR).toString()}, connection));
        StringWriter err = new StringWriter();
        int sendAsConsumer = run(err, concat(new String[] {"send", "--from", "a", "--to", "b", "--text", "x",
                "--command-config", security.clientConfig(ClusterSecurity.CONSUMER).toString()}, connection));

        assertEquals(ExitCodes.OK, dlqList);
        assertEquals(ExitCodes.ENVIRONMENT_UNAVAILABLE, sendAsConsumer);
        assertTrue(err.toString().strip().startsWith("courier send: the Kafka cluster refused"), err.toString());
    }

    @Test
    void aTrackerWhoseRegistryCredentialsAreRefusedStopsAndItsCommandExitsWith4() throws Exception {
        try (CourierProducer producer = new CourierProducer(new CourierProducerConfig(producerConfig()))) {
            producer.send(OutgoingMessage.builder().senderId("secure-it").recipients("refused-tracker")
                    .conversationId("c-refused").payload("a send to decode".getBytes(StandardCharsets.UTF_8)).build()).get();
        }
        Path commandConfig = withWrongRegistryPassword(ClusterSecurity.TRACKER);

        StringWriter err = new StringWriter();
        // Its own application id (the tracker of the test above may still be in its group): it reads every send.
        int exit = assertTimeoutPreemptively(Duration.ofMinutes(3), () -> run(err, "tracker",
                "--bootstrap-servers", cluster.bootstrapServers(), "--registry-url", registry.url(),
                "--command-config", commandConfig.toString(), "--application-id", "courier-tracker-refused",
                "--state-dir", Files.createTempDirectory("refused-tracker").toString(), "--replication-factor", "1",
                "--http-port", "-1"), "the tracker stops and its command returns, instead of idling without tracking");

        assertEquals(ExitCodes.ENVIRONMENT_UNAVAILABLE, exit, err.toString());
        assertTrue(err.toString().strip().startsWith("courier tracker: the schema registry refused this command's credentials"),
                err.toString());
    }

    @Test
    void aDeadLetterListingWhoseRegistryCredentialsAreRefusedExitsWith4InsteadOfListingUndecodables() throws Exception {
        try (HttpSchemaRegistryClient admin = registryClient(security.registryClientProperties(ClusterSecurity.ADMIN))) {
            Map<String, Object> config = new HashMap<>(security.kafkaProperties(ClusterSecurity.ADMIN));
            config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
            DeadLetter letter = DeadLetter.newBuilder().setMessageId("m-refused").setRecipientId("r")
                    .setReasonCode(DeadLetterReason.REJECTED.name()).setReasonText("written by SecureModeIT").setAttempts(1)
                    .setDeadLetteredAt(java.time.Instant.now()).build();
            try (KafkaProducer<String, DeadLetter> producer = new KafkaProducer<>(config, new StringSerializer(),
                    CourierSerdes.value(DeadLetter.class, admin).serializer())) {
                producer.send(new ProducerRecord<>(TOPICS.deadLetter(), "r", letter)).get();
            }
        }
        String[] connection = {"--bootstrap-servers", cluster.bootstrapServers(), "--registry-url", registry.url(),
                "--timeout", "20s", "--command-config", withWrongRegistryPassword(ClusterSecurity.OPERATOR).toString()};

        StringWriter err = new StringWriter();
        int exit = run(err, concat(new String[] {"dlq", "list", "--json"}, connection));

        assertEquals(ExitCodes.ENVIRONMENT_UNAVAILABLE, exit, err.toString());
        assertTrue(err.toString().strip().startsWith("courier dlq list: the schema registry refused"), err.toString());
    }

    /** A --command-config file of {@code principal}: its Kafka login, and a wrong registry password. */
    private Path withWrongRegistryPassword(String principal) throws Exception {
        Properties props = new Properties();
        props.putAll(security.kafkaProperties(principal));
        props.putAll(security.registryClientProperties(principal));
        props.put(RegistryClientSettings.USER_INFO_CONFIG, principal + ":wrong-password");
        Path file = Files.createTempFile(principal + "-wrong-registry-password", ".properties");
        try (var out = Files.newBufferedWriter(file)) {
            props.store(out, null);
        }
        return file;
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> props = new HashMap<>(security.registryClientProperties(ClusterSecurity.PRODUCER));
        props.put(CourierProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(CourierProducerConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url());
        security.kafkaProperties(ClusterSecurity.PRODUCER).forEach((k, v) -> props.put(CourierProducerConfig.PRODUCER_PREFIX + k, v));
        return props;
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> props = new HashMap<>(security.registryClientProperties(ClusterSecurity.CONSUMER));
        props.put(DeliveryConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(DeliveryConsumerConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url());
        props.put(DeliveryConsumerConfig.CONSUMER_ID_CONFIG, "secure-consumer-1");
        security.kafkaProperties(ClusterSecurity.CONSUMER).forEach((k, v) -> {
            props.put(DeliveryConsumerConfig.CONSUMER_PREFIX + k, v);
            props.put(DeliveryConsumerConfig.PRODUCER_PREFIX + k, v);
        });
        return props;
    }

    private Map<String, Object> trackerConfig() throws Exception {
        Map<String, Object> props = new HashMap<>(security.registryClientProperties(ClusterSecurity.TRACKER));
        props.put(TrackerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(TrackerConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url());
        props.put(TrackerConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.put(TrackerConfig.STATE_DIR_CONFIG, Files.createTempDirectory("secure-tracker").toString());
        security.kafkaProperties(ClusterSecurity.TRACKER).forEach((k, v) -> props.put(TrackerConfig.STREAMS_PREFIX + k, v));
        return props;
    }

    private HttpSchemaRegistryClient registryClient(Map<String, String> credentials) {
        Map<String, Object> configs = new HashMap<>(credentials);
        configs.put(RegistryClientSettings.URL_CONFIG, registry.url());
        return new HttpSchemaRegistryClient(RegistryClientSettings.from(configs));
    }

    /** The subjects the registry holds, asked as the admin over HTTPS. */
    private List<String> registrySubjects() {
        return SecureReader.subjects(registry.url(), security.registryClientProperties(ClusterSecurity.ADMIN));
    }

    /** What one record sent by a plain producer with {@code props} (plus bootstrap) ends in: the cause of its failure. */
    private Throwable sendRaw(Map<String, ?> props, String topic) {
        Map<String, Object> config = new HashMap<>(props);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", "must not be written")).get();
            throw new AssertionError("the write to " + topic + " was accepted");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (org.apache.kafka.common.KafkaException e) {
            return e;
        }
    }

    /** Each partition's end offset, read as the admin. */
    private Map<String, Long> endOffsets(String topic) throws Exception {
        Admin admin = cluster.admin();
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<String, Long> offsets = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> offsets.put(tp.toString(), info.offset()));
        return offsets;
    }

    private static int run(String... args) {
        return run(new StringWriter(), args);
    }

    private static int run(StringWriter err, String... args) {
        var cli = Courier.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }

    private static String[] concat(String[] first, String[] second) {
        String[] all = java.util.Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    /** Reads back what the tests assert on, as the admin. */
    private static final class SecureReader {

        static List<DeliveryAck> acks(LocalCluster cluster, String topic, HttpSchemaRegistryClient registry) {
            return TopicReader.readAcks(topic, registry, cluster.adminClientProperties());
        }

        static List<String> subjects(String url, Map<String, String> credentials) {
            RegistryClientSettings settings = RegistryClientSettings.from(withUrl(url, credentials));
            var http = java.net.http.HttpClient.newBuilder().sslContext(settings.sslContext().orElseThrow()).build();
            var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/subjects"))
                    .header("Authorization", settings.authorizationHeader().orElseThrow()).build();
            try {
                String body = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                List<String> subjects = new ArrayList<>();
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).forEach(s -> subjects.add(s.asText()));
                return subjects;
            } catch (Exception e) {
                throw new AssertionError("cannot list the registry's subjects", e);
            }
        }

        private static Map<String, Object> withUrl(String url, Map<String, String> credentials) {
            Map<String, Object> configs = new HashMap<>(credentials);
            configs.put(RegistryClientSettings.URL_CONFIG, url);
            return configs;
        }
    }
}
