package io.tributary.spring.listener;

import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.DoubleDeserializer;
import org.apache.kafka.common.serialization.DoubleSerializer;
import org.apache.kafka.common.serialization.IntegerDeserializer;
import org.apache.kafka.common.serialization.IntegerSerializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.ShortDeserializer;
import org.apache.kafka.common.serialization.ShortSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.UUIDDeserializer;
import org.apache.kafka.common.serialization.UUIDSerializer;

/**
 * How a key of each built-in type is encoded: with Kafka's standard serializer for that type (so a consumer
 * outside Tributary can read it with, say, {@code LongDeserializer}), named in the {@value #TYPE_HEADER} header by
 * the key's class name. Keys of other types are JSON under their class name.
 */
record KeyEncoding(Serializer<Object> serializer, Deserializer<?> deserializer) {

    /** Names the key's type, as {@code __TypeId__} names the value's. */
    static final String TYPE_HEADER = "__KeyTypeId__";

    private static final Map<String, KeyEncoding> BY_TYPE = Map.of(
            String.class.getName(), of(new StringSerializer(), new StringDeserializer()),
            Long.class.getName(), of(new LongSerializer(), new LongDeserializer()),
            Integer.class.getName(), of(new IntegerSerializer(), new IntegerDeserializer()),
            Short.class.getName(), of(new ShortSerializer(), new ShortDeserializer()),
            Double.class.getName(), of(new DoubleSerializer(), new DoubleDeserializer()),
            UUID.class.getName(), of(new UUIDSerializer(), new UUIDDeserializer()),
            byte[].class.getName(), new KeyEncoding((topic, key) -> (byte[]) key, (topic, data) -> data));

    /** The standard encoding of keys of type {@code typeName}, or null for a type that is JSON. */
    static KeyEncoding forType(String typeName) {
        return BY_TYPE.get(typeName);
    }

    @SuppressWarnings("unchecked")
    private static KeyEncoding of(Serializer<?> serializer, Deserializer<?> deserializer) {
        return new KeyEncoding((Serializer<Object>) serializer, deserializer);
    }
}
