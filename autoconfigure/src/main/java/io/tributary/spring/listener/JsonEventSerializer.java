package io.tributary.spring.listener;

import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;
import org.springframework.kafka.support.serializer.JacksonJsonSerializer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Values as JSON with the type in the {@code __TypeId__} header, so a listener for {@code OrderPlaced} gets an
 * {@code OrderPlaced}. A {@code byte[]} passes through as it is: dead-letter records keep the bytes that failed.
 */
final class JsonEventSerializer implements Serializer<Object> {
    private final JacksonJsonSerializer<Object> json;

    JsonEventSerializer(JsonMapper mapper) {
        this.json = new JacksonJsonSerializer<>(mapper);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        json.configure(configs, isKey);
    }

    @Override
    public byte[] serialize(String topic, Object data) {
        return data instanceof byte[] bytes ? bytes : json.serialize(topic, data);
    }

    @Override
    public byte[] serialize(String topic, Headers headers, Object data) {
        return data instanceof byte[] bytes ? bytes : json.serialize(topic, headers, data);
    }

    @Override
    public void close() {
        json.close();
    }
}
