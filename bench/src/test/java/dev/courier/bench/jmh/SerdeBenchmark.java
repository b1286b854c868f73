package dev.courier.bench.jmh;

import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.InMemorySchemaRegistryClient;
import dev.courier.schemas.serde.CourierSerdes;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Courier's value serde (Confluent wire format, Avro binary) on a SendEvent, registry in memory. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SerdeBenchmark {

    private static final String TOPIC = "courier.send";

    @Param({"300"})
    int payloadBytes;

    private Serializer<SendEvent> serializer;
    private Deserializer<SendEvent> deserializer;
    private SendEvent event;
    private byte[] encoded;

    @Setup
    public void setUp() {
        Serde<SendEvent> serde = CourierSerdes.value(SendEvent.class, new InMemorySchemaRegistryClient());
        serializer = serde.serializer();
        deserializer = serde.deserializer();
        event = SendEvent.newBuilder().setMessageId("0192f3a4-5b6c-7d8e-9f01-23456789abcd").setConversationId("conv-42")
                .setSenderId("alice").setRecipientId("user-42").setSentAt(Instant.ofEpochMilli(1_700_000_000_000L))
                .setPayload(ByteBuffer.wrap(new byte[payloadBytes])).setContentType("text/plain").setAttempt(1)
                .setHeaders(Map.of()).setSeq(7L).build();
        encoded = serializer.serialize(TOPIC, event);
    }

    @Benchmark
    public byte[] serialize() {
        return serializer.serialize(TOPIC, event);
    }

    @Benchmark
    public SendEvent deserialize() {
        return deserializer.deserialize(TOPIC, encoded);
    }
}
