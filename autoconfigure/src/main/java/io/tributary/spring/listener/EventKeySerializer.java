package io.tributary.spring.listener;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Keys that keep their type: {@code String} in UTF-8, {@code Long}, {@code Integer}, {@code Short},
 * {@code Double}, {@code UUID} and {@code byte[]} as Kafka's standard serializers write them, any other type as
 * JSON; the key's class name goes in the {@value KeyEncoding#TYPE_HEADER} header for {@link EventKeyDeserializer}.
 */
final class EventKeySerializer implements Serializer<Object> {
    private final JsonMapper mapper;

    EventKeySerializer(JsonMapper mapper) {
        this.mapper = mapper;
    }

    /** Without headers there is nowhere to name the type: a String or byte[] as it is, anything else as text. */
    @Override
    public byte[] serialize(String topic, Object key) {
        if (key == null) {
            return null;
        }
        return key instanceof byte[] bytes ? bytes : key.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] serialize(String topic, Headers headers, Object key) {
        // A dead-letter or retried record carries the header of its first send: name the type once.
        headers.remove(KeyEncoding.TYPE_HEADER);
        if (key == null) {
            return null;
        }
        String type = key.getClass().getName();
        headers.add(KeyEncoding.TYPE_HEADER, type.getBytes(StandardCharsets.UTF_8));
        KeyEncoding encoding = KeyEncoding.forType(type);
        return encoding != null ? encoding.serializer().serialize(topic, key) : mapper.writeValueAsBytes(key);
    }
}
