package io.tributary.broker.network;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tributary.broker.api.RequestRouter;
import io.tributary.broker.testing.KafkaFrames;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
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
 * calls it. Allowed: a decoded request, or an {@link ApiException} (the handler closes the connection). Any other
 * exception, or an {@link Error} anywhere in the cause chain (Kafka's codecs wrap even those), is a bug.
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

    /** Valid frames of the APIs clients use most: the fuzzer mutates from real structure, not from nothing. */
    static Stream<byte[]> validFrames() {
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
                        .build((short) 4))
                .map(request -> KafkaFrames.frame(request, 7));
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
