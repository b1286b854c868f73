package dev.courier.schemas.serde;

/**
 * The Confluent wire format that Courier's serde writes and reads: one magic byte {@code 0x00}, the
 * writer schema's registry id as 4 bytes big-endian, then the record in Avro binary encoding.
 */
public final class WireFormat {

    public static final byte MAGIC_BYTE = 0x00;
    /** Magic byte plus schema id. */
    public static final int HEADER_LENGTH = 5;

    private WireFormat() {
    }

    static void writeHeader(byte[] target, int schemaId) {
        target[0] = MAGIC_BYTE;
        target[1] = (byte) (schemaId >>> 24);
        target[2] = (byte) (schemaId >>> 16);
        target[3] = (byte) (schemaId >>> 8);
        target[4] = (byte) schemaId;
    }

    /** The schema id of a value whose header has been checked (at least {@link #HEADER_LENGTH} bytes). */
    static int readSchemaId(byte[] value) {
        return ((value[1] & 0xff) << 24) | ((value[2] & 0xff) << 16) | ((value[3] & 0xff) << 8) | (value[4] & 0xff);
    }
}
