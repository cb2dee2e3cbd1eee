package io.tributary.broker.network;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tributary.broker.api.RequestRouter;
import io.tributary.broker.testing.KafkaFrames;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestContext;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request decoding on arbitrary frames, through {@link RequestDecoder} exactly as {@link RequestChannelHandler}
 * calls it, and exactly as leniently as Kafka's broker: bytes after the body are ignored, unknown tagged fields
 * skipped. Allowed: a decoded request, or an {@link ApiException} (the handler closes the connection). Any other
 * exception, or an {@link Error} anywhere in the cause chain (Kafka's codecs wrap even those), is a bug, and so is
 * a frame that decodes but decodes differently, or not at all, with bytes appended: decoding reads a prefix of the
 * frame, as Kafka's does, and never looks at the rest.
 *
 * <p>A decoded request then takes the handler's failure path: error response, serialized. kafka-clients may throw
 * there for odd but decodable requests (a null list it dereferences); the handler closes the connection then, so
 * only an {@link Error} (out of memory, stack overflow) or a hang is a finding.
 */
class RequestDecodingFuzzTest {
    /** Serves every version kafka-clients decodes: the widest decoding surface (the broker serves a subset). */
    private static final RequestRouter EVERY_VERSION = new RequestRouter() {
        @Override
        public boolean isEnabled(ApiKeys api, short version) {
            return api.isVersionSupported(version);
        }

        @Override
        public CompletableFuture<? extends AbstractResponse> handle(RequestContext context, AbstractRequest request) {
            throw new UnsupportedOperationException("decoding only");
        }
    };
    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 50_000);

    private static final byte[] APPENDED = {1, 0, 0};

    /**
     * Valid frames of the APIs clients use most, some with bytes after the body or unknown tagged fields: the fuzzer
     * mutates from real structure, not from nothing.
     */
    static Stream<byte[]> validFrames() {
        return Stream.concat(requests().map(request -> KafkaFrames.frame(request, 7)), Stream.of(
                // librdkafka 2.15's Metadata v13 for all topics: three bytes after the body.
                HexFormat.of().parseHex("0003000d00000003000772646b61666b610000000000010000"),
                KafkaFrames.concat(KafkaFrames.frame(KafkaFrames.apiVersions(), 8), new byte[64]),
                KafkaFrames.concat(KafkaFrames.frame(KafkaFrames.produce("seed",
                        KafkaFrames.records(Compression.NONE, "seed", 1), (short) 1), 9), APPENDED),
                withUnknownTaggedFields(new MetadataRequestData().setTopics(null), (short) 12)));
    }

    /** Header and body of a flexible version, each with a tagged field no version defines. */
    private static byte[] withUnknownTaggedFields(ApiMessage body, short version) {
        RequestHeaderData header = KafkaFrames.headerData(ApiKeys.forId(body.apiKey()), version, 10);
        header.unknownTaggedFields().add(new RawTaggedField(1_000, new byte[] {1, 2, 3}));
        body.unknownTaggedFields().add(new RawTaggedField(1_000, new byte[] {4, 5}));
        return KafkaFrames.frame(header, body);
    }

    private static Stream<AbstractRequest> requests() {
        MemoryRecords batch = KafkaFrames.records(Compression.NONE, "seed", 3);
        return Stream.of(
                KafkaFrames.apiVersions(),
                new ApiVersionsRequest.Builder().build((short) 0),
                KafkaFrames.metadata("seed"),
                MetadataRequest.Builder.allTopics().build((short) 4),
                KafkaFrames.produce("seed", batch, (short) -1),
                KafkaFrames.produce("seed", KafkaFrames.records(Compression.lz4().build(), "seed", 3), (short) 1),
                KafkaFrames.fetch("seed", 0),
                KafkaFrames.listOffsets("seed", -1),
                KafkaFrames.createTopics("seed", Map.of("cleanup.policy", "compact")),
                new InitProducerIdRequest.Builder(new InitProducerIdRequestData().setTransactionalId(null)
                        .setTransactionTimeoutMs(60_000))
                        .build((short) 4));
    }

    @MethodSource("validFrames")
    @FuzzTest(maxDuration = "15s")
    void decodeEitherParsesOrRejectsWithAnApiException(byte[] frame) {
        RequestDecoder.Decoded decoded;
        try {
            decoded = RequestDecoder.decode(ByteBuffer.wrap(frame), EVERY_VERSION, "fuzz", CLIENT);
        } catch (ApiException expected) {
            for (Throwable cause = expected; cause != null; cause = cause.getCause()) {
                if (cause instanceof Error error) {
                    throw error;
                }
            }
            return;
        }
        ByteBuffer appended = ByteBuffer.wrap(KafkaFrames.concat(frame, APPENDED));
        ApiMessage again = RequestDecoder.decode(appended, EVERY_VERSION, "fuzz", CLIENT).request().data();
        if (!again.equals(decoded.request().data())) {
            throw new AssertionError("Bytes after the frame changed the request: " + decoded.request().data()
                    + " became " + again);
        }
        try {
            AbstractResponse response = decoded.request().getErrorResponse(0, new UnknownServerException("fuzz"));
            if (response != null) {
                decoded.context().buildResponseSend(response);
            }
        } catch (RuntimeException closesTheConnection) {
            // RequestChannelHandler.respond closes the connection.
        }
    }
}
