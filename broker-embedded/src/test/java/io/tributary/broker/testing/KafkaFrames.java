package io.tributary.broker.testing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfigCollection;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicCollection;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;

/**
 * Kafka request frames built with kafka-clients' own request builders, for tests that talk to the broker below
 * the client library (raw sockets, Netty's EmbeddedChannel, fuzz seeds).
 *
 * <pre>
 * frame = | size:int32 | header (api key, version, correlation id, client id) | body |
 * </pre>
 *
 * {@link #frame} returns the bytes after the size prefix, {@link #sized} adds it.
 */
public final class KafkaFrames {
    public static final String CLIENT_ID = "bad-input-test";

    private KafkaFrames() {
    }

    /** Header and body of {@code request}, without the size prefix. */
    public static byte[] frame(AbstractRequest request, int correlationId) {
        var header = new RequestHeader(request.apiKey(), request.version(), CLIENT_ID, correlationId);
        return bytes(request.serializeWithHeader(header));
    }

    /**
     * Header and body of a request given as its message data, at the header's api version: for bodies no request
     * builder makes (defaults, unknown tagged fields).
     */
    public static byte[] frame(RequestHeaderData header, ApiMessage body) {
        ApiKeys api = ApiKeys.forId(header.requestApiKey());
        short version = header.requestApiVersion();
        return bytes(RequestUtils.serialize(header, api.requestHeaderVersion(version), body, version));
    }

    public static RequestHeaderData headerData(ApiKeys api, short version, int correlationId) {
        return new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
                .setCorrelationId(correlationId).setClientId(CLIENT_ID);
    }

    /** A header with any api key and version, even ones kafka-clients does not know, and no body. */
    public static byte[] header(short apiKey, short apiVersion, short headerVersion, int correlationId) {
        var data = new RequestHeaderData().setRequestApiKey(apiKey).setRequestApiVersion(apiVersion)
                .setCorrelationId(correlationId).setClientId(CLIENT_ID);
        return bytes(MessageUtil.toByteBufferAccessor(data, headerVersion).buffer());
    }

    /** {@code frame} with its int32 size prefix. */
    public static byte[] sized(byte[] frame) {
        return ByteBuffer.allocate(4 + frame.length).putInt(frame.length).put(frame).array();
    }

    public static byte[] concat(byte[]... parts) {
        int size = 0;
        for (byte[] part : parts) {
            size += part.length;
        }
        ByteBuffer buffer = ByteBuffer.allocate(size);
        for (byte[] part : parts) {
            buffer.put(part);
        }
        return buffer.array();
    }

    public static AbstractRequest apiVersions() {
        return new ApiVersionsRequest.Builder().build(ApiKeys.API_VERSIONS.latestVersion());
    }

    public static AbstractRequest metadata(String topic) {
        return new MetadataRequest.Builder(List.of(topic), false).build((short) 12);
    }

    /** Produce (v9, topics by name) of {@code records} to partition 0 of {@code topic}. */
    public static ProduceRequest produce(String topic, MemoryRecords records, short acks) {
        var partition = new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records);
        var topicData = new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(partition));
        var topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(topicData);
        var data = new ProduceRequestData().setAcks(acks).setTimeoutMs(10_000).setTopicData(topics);
        return ProduceRequest.builder(data).build((short) 9);
    }

    /** Fetch (v12, topics by name) of partition 0 of {@code topic} from {@code offset}. */
    public static AbstractRequest fetch(String topic, long offset) {
        var partitions = Map.of(new TopicPartition(topic, 0),
                new FetchRequest.PartitionData(Uuid.ZERO_UUID, offset, -1, 1024 * 1024, Optional.empty()));
        return FetchRequest.Builder.forConsumer((short) 12, 100, 1, partitions).build((short) 12);
    }

    public static AbstractRequest listOffsets(String topic, long timestamp) {
        var partition = new ListOffsetsPartition().setPartitionIndex(0).setTimestamp(timestamp);
        var target = new ListOffsetsTopic().setName(topic).setPartitions(List.of(partition));
        return ListOffsetsRequest.Builder.forConsumer(false, IsolationLevel.READ_UNCOMMITTED)
                .setTargetTimes(List.of(target)).build((short) 7);
    }

    public static AbstractRequest createTopics(String topic, Map<String, String> configs) {
        var configCollection = new CreatableTopicConfigCollection();
        configs.forEach((name, value) -> configCollection.add(new CreatableTopicConfig().setName(name).setValue(value)));
        var topics = new CreatableTopicCollection();
        topics.add(new CreatableTopic().setName(topic).setNumPartitions(1).setReplicationFactor((short) 1)
                .setConfigs(configCollection));
        return new CreateTopicsRequest.Builder(new CreateTopicsRequestData().setTopics(topics).setTimeoutMs(10_000))
                .build((short) 7);
    }

    /** Records with keys {@code <prefix>-key-i} and values {@code <prefix>-i}, timestamps now. */
    public static MemoryRecords records(Compression compression, String prefix, int count) {
        long now = System.currentTimeMillis();
        var records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(now, utf8(prefix + "-key-" + i), utf8(prefix + "-" + i));
        }
        return MemoryRecords.withRecords(compression, records);
    }

    public static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
