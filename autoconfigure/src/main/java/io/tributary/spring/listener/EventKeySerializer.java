package io.tributary.spring.listener;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serializer;

/** Keys as text: a {@code String} (or any object's {@code toString()}) in UTF-8; {@code byte[]} as it is. */
final class EventKeySerializer implements Serializer<Object> {

    @Override
    public byte[] serialize(String topic, Object key) {
        if (key == null) {
            return null;
        }
        return key instanceof byte[] bytes ? bytes : key.toString().getBytes(StandardCharsets.UTF_8);
    }
}
