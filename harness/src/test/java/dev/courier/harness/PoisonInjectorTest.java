package dev.courier.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.courier.schemas.DeadLetterReason;
import dev.courier.schemas.SendEvent;
import dev.courier.schemas.registry.InMemorySchemaRegistryClient;
import dev.courier.schemas.serde.CourierSerdes;
import dev.courier.schemas.serde.WireFormatException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class PoisonInjectorTest {

    private final Serde<SendEvent> sends = CourierSerdes.value(SendEvent.class, new InMemorySchemaRegistryClient());

    @Test
    void theCraftedLengthPrefixIsRefusedAsLimitExceededNotAllocated() {
        byte[] valid = sends.serializer().serialize("courier.send", PoisonInjector.event("bob", new byte[] {1}));
        byte[] crafted = PoisonInjector.craftedLengthPrefix(valid);

        WireFormatException e = assertThrows(WireFormatException.class,
                () -> sends.deserializer().deserialize("courier.send", crafted));

        assertEquals(DeadLetterReason.LIMIT_EXCEEDED, e.reason(), e.getMessage());
    }

    @Test
    void theSixHundredKibPoisonStillDecodesItIsItsPayloadThatIsTooLarge() {
        byte[] big = sends.serializer().serialize("courier.send", PoisonInjector.event("bob", new byte[600 * 1024]));

        assertEquals(600 * 1024, sends.deserializer().deserialize("courier.send", big).getPayload().remaining());
    }
}
