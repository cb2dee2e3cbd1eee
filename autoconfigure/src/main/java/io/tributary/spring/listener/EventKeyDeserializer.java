package io.tributary.spring.listener;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.springframework.util.ClassUtils;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads keys written by {@link EventKeySerializer} back into their type, by the {@value KeyEncoding#TYPE_HEADER}
 * header. A record without the header (from a producer outside Tributary) has a UTF-8 {@code String} key. A JSON
 * key becomes its named type only when that type is a record or an enum on the classpath: the header comes from
 * the wire, and arbitrary classes are not instantiated from it; any other JSON key arrives as its JSON text.
 */
final class EventKeyDeserializer implements Deserializer<Object> {
    private final JsonMapper mapper;
    private final Map<String, Class<?>> jsonTypes = new ConcurrentHashMap<>();

    EventKeyDeserializer(JsonMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public Object deserialize(String topic, byte[] data) {
        return data == null ? null : new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public Object deserialize(String topic, Headers headers, byte[] data) {
        Header header = headers == null ? null : headers.lastHeader(KeyEncoding.TYPE_HEADER);
        if (data == null || header == null) {
            return deserialize(topic, data);
        }
        String type = new String(header.value(), StandardCharsets.UTF_8);
        KeyEncoding encoding = KeyEncoding.forType(type);
        if (encoding != null) {
            return encoding.deserializer().deserialize(topic, headers, data);
        }
        Class<?> jsonType = jsonTypes.computeIfAbsent(type, EventKeyDeserializer::decodableType);
        return jsonType == Object.class ? deserialize(topic, data) : mapper.readValue(data, jsonType);
    }

    /** The named type if keys may be decoded into it, else {@code Object} (kept as text). */
    private static Class<?> decodableType(String name) {
        try {
            Class<?> type = ClassUtils.forName(name, EventKeyDeserializer.class.getClassLoader());
            return type.isRecord() || type.isEnum() ? type : Object.class;
        } catch (ClassNotFoundException | LinkageError e) {
            return Object.class;
        }
    }
}
