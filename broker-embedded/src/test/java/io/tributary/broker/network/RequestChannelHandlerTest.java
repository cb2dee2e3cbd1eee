package io.tributary.broker.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tributary.broker.api.RequestRouter;
import io.tributary.broker.testing.KafkaFrames;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DescribeUserScramCredentialsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;

/**
 * The connection pipeline ({@link SocketServer#configure}: frame decoder, then {@link RequestChannelHandler}) on
 * Netty's {@link EmbeddedChannel}: no sockets, every step driven by the test.
 */
class RequestChannelHandlerTest {
    private static final int MAX_REQUEST_BYTES = 1024;

    /** Runs request handling inline, and swallows what escapes a task, as a pool thread dying would. */
    private static final Executor POOL_LIKE = task -> {
        try {
            task.run();
        } catch (RuntimeException escaped) {
            // A ThreadPoolExecutor would log this and replace the thread; the connection never hears of it.
        }
    };

    private final List<AbstractRequest> handled = new ArrayList<>();

    private EmbeddedChannel channel(BiFunction<RequestContext, AbstractRequest,
            CompletableFuture<? extends AbstractResponse>> handler) {
        return channel(handler, POOL_LIKE, Set.of());
    }

    private EmbeddedChannel channel(BiFunction<RequestContext, AbstractRequest,
            CompletableFuture<? extends AbstractResponse>> handler, Executor requestThreads, Set<ApiKeys> inline) {
        RequestRouter router = new RequestRouter() {
            @Override
            public boolean isEnabled(ApiKeys api, short version) {
                return api.isVersionSupported(version);
            }

            @Override
            public CompletableFuture<? extends AbstractResponse> handle(RequestContext context,
                                                                        AbstractRequest request) {
                handled.add(request);
                return handler.apply(context, request);
            }
        };
        var channel = new EmbeddedChannel();
        SocketServer.configure(channel.pipeline(), MAX_REQUEST_BYTES, 10, router, requestThreads, inline);
        return channel;
    }

    private static CompletableFuture<AbstractResponse> apiVersionsAnswer(RequestContext context,
                                                                         AbstractRequest request) {
        return CompletableFuture.completedFuture(new ApiVersionsResponse(new ApiVersionsResponseData()));
    }

    private static void write(EmbeddedChannel channel, byte[] bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
        channel.runPendingTasks();
    }

    /** Everything the pipeline wrote to the client, as one buffer. */
    private static ByteBuffer written(EmbeddedChannel channel) {
        ByteBuf all = Unpooled.buffer();
        Object part;
        while ((part = channel.readOutbound()) != null) {
            ByteBuf buf = (ByteBuf) part;
            all.writeBytes(buf);
            buf.release();
        }
        return all.nioBuffer();
    }

    private static AbstractResponse parse(ByteBuffer written, AbstractRequest request, int correlationId) {
        int size = written.getInt();
        ByteBuffer frame = written.slice().limit(size);
        written.position(written.position() + size);
        var header = new RequestHeader(request.apiKey(), request.version(), KafkaFrames.CLIENT_ID, correlationId);
        return AbstractResponse.parseResponse(frame, header);
    }

    @Test
    void requestIsAnsweredWithItsCorrelationId() {
        EmbeddedChannel channel = channel(RequestChannelHandlerTest::apiVersionsAnswer);
        AbstractRequest request = KafkaFrames.apiVersions();

        write(channel, KafkaFrames.sized(KafkaFrames.frame(request, 41)));

        assertThat(parse(written(channel), request, 41)).isInstanceOf(ApiVersionsResponse.class);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void frameSplitAcrossReadsIsReassembled() {
        EmbeddedChannel channel = channel(RequestChannelHandlerTest::apiVersionsAnswer);
        AbstractRequest request = KafkaFrames.apiVersions();
        byte[] bytes = KafkaFrames.sized(KafkaFrames.frame(request, 5));

        for (byte b : bytes) {
            write(channel, new byte[] {b});
        }

        assertThat(parse(written(channel), request, 5)).isInstanceOf(ApiVersionsResponse.class);
    }

    @Test
    void undecodableFrameClosesTheChannelWithoutReachingAHandler() {
        EmbeddedChannel channel = channel(RequestChannelHandlerTest::apiVersionsAnswer);

        write(channel, KafkaFrames.sized(new byte[] {0x7f, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0}));

        assertThat(channel.isOpen()).isFalse();
        assertThat(handled).isEmpty();
    }

    @Test
    void trailingBytesAfterTheBodyAreIgnoredAsKafkaDoes() {
        EmbeddedChannel channel = channel((context, request) -> CompletableFuture.completedFuture(
                new MetadataResponse(new MetadataResponseData(), request.version())));
        AbstractRequest request = KafkaFrames.metadata("t");
        byte[] frame = KafkaFrames.frame(request, 1);

        // librdkafka 2.15's Metadata v13 requests end with three such bytes; Kafka's broker never looks at them.
        write(channel, KafkaFrames.sized(KafkaFrames.concat(frame, new byte[] {1, 0, 0})));

        assertThat(handled).singleElement().isInstanceOfSatisfying(MetadataRequest.class,
                metadata -> assertThat(metadata.topics()).containsExactly("t"));
        assertThat(parse(written(channel), request, 1)).isInstanceOf(MetadataResponse.class);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void unknownTaggedFieldsInHeaderAndBodyAreSkippedAsKafkaDoes() {
        EmbeddedChannel channel = channel((context, request) -> CompletableFuture.completedFuture(
                new MetadataResponse(new MetadataResponseData(), request.version())));
        RequestHeaderData header = KafkaFrames.headerData(ApiKeys.METADATA, (short) 12, 4);
        header.unknownTaggedFields().add(new RawTaggedField(1_000, new byte[] {1, 2, 3}));
        var body = new MetadataRequestData().setTopics(List.of(new MetadataRequestTopic().setName("t")));
        body.unknownTaggedFields().add(new RawTaggedField(1_000, new byte[] {4, 5}));

        write(channel, KafkaFrames.sized(KafkaFrames.frame(header, body)));

        assertThat(handled).singleElement().isInstanceOfSatisfying(MetadataRequest.class,
                metadata -> assertThat(metadata.topics()).containsExactly("t"));
        assertThat(parse(written(channel), KafkaFrames.metadata("t"), 4)).isInstanceOf(MetadataResponse.class);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void bodyTruncatedInsideAFieldClosesTheChannel() {
        EmbeddedChannel channel = channel(RequestChannelHandlerTest::apiVersionsAnswer);
        byte[] frame = KafkaFrames.frame(KafkaFrames.metadata("a-topic-name"), 1);

        write(channel, KafkaFrames.sized(Arrays.copyOf(frame, frame.length - 6)));

        assertThat(channel.isOpen()).isFalse();
        assertThat(handled).isEmpty();
    }

    @Test
    void sizeOverTheLimitClosesTheChannelBeforeTheBodyArrives() {
        EmbeddedChannel channel = channel(RequestChannelHandlerTest::apiVersionsAnswer);

        write(channel, ByteBuffer.allocate(4).putInt(MAX_REQUEST_BYTES + 1).array());

        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void frameOfExactlyTheLimitIsAccepted() {
        EmbeddedChannel channel = channel(RequestChannelHandlerTest::apiVersionsAnswer);
        byte[] frame = new byte[MAX_REQUEST_BYTES];
        // An ApiVersions request padded to the limit with zeros, which Kafka ignores after the body.
        byte[] apiVersions = KafkaFrames.frame(KafkaFrames.apiVersions(), 3);
        System.arraycopy(apiVersions, 0, frame, 0, apiVersions.length);

        write(channel, KafkaFrames.sized(frame));

        assertThat(handled).hasSize(1);
    }

    @Test
    void negativeSizeClosesTheChannel() {
        EmbeddedChannel channel = channel(RequestChannelHandlerTest::apiVersionsAnswer);

        write(channel, ByteBuffer.allocate(8).putInt(-5).putInt(0).array());

        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void largestConfigurableRequestSizeStillAcceptsConnections() {
        var channel = new EmbeddedChannel();
        SocketServer.configure(channel.pipeline(), Integer.MAX_VALUE, 10, null, POOL_LIKE, Set.of());

        assertThat(channel.pipeline().names()).contains("frames", "requests");
    }

    @Test
    void inlineApisAreHandledOnTheNetworkThreadAndTheRestWaitForARequestThread() {
        var requestThreads = new ArrayDeque<Runnable>();
        EmbeddedChannel channel = channel(RequestChannelHandlerTest::apiVersionsAnswer, requestThreads::add,
                Set.of(ApiKeys.FETCH));

        write(channel, KafkaFrames.sized(KafkaFrames.frame(KafkaFrames.fetch("inline", 0), 1)));
        assertThat(handled).extracting(AbstractRequest::apiKey).containsExactly(ApiKeys.FETCH);
        assertThat(requestThreads).isEmpty();
        assertThat(written(channel).getInt()).as("the answer's size prefix").isPositive();

        write(channel, KafkaFrames.sized(KafkaFrames.frame(KafkaFrames.metadata("queued"), 2)));
        assertThat(handled).as("not before a request thread takes it").hasSize(1);
        assertThat(requestThreads).hasSize(1);
        requestThreads.poll().run();
        channel.runPendingTasks();
        assertThat(handled).extracting(AbstractRequest::apiKey).containsExactly(ApiKeys.FETCH, ApiKeys.METADATA);
        assertThat(written(channel).getInt()).isPositive();
    }

    @Test
    void pipelinedRequestsAreHandledOneAtATimeAndAnsweredInOrder() {
        var pending = new ArrayList<CompletableFuture<AbstractResponse>>();
        EmbeddedChannel channel = channel((context, request) -> {
            var future = new CompletableFuture<AbstractResponse>();
            pending.add(future);
            return future;
        });
        AbstractRequest request = KafkaFrames.apiVersions();

        write(channel, KafkaFrames.concat(KafkaFrames.sized(KafkaFrames.frame(request, 1)),
                KafkaFrames.sized(KafkaFrames.frame(request, 2))));
        assertThat(pending).hasSize(1);

        pending.get(0).complete(new ApiVersionsResponse(new ApiVersionsResponseData()));
        channel.runPendingTasks();
        assertThat(pending).hasSize(2);
        pending.get(1).complete(new ApiVersionsResponse(new ApiVersionsResponseData()));
        channel.runPendingTasks();

        ByteBuffer written = written(channel);
        parse(written, request, 1);
        parse(written, request, 2);
        assertThat(written.hasRemaining()).isFalse();
    }

    @Test
    void handlerThatThrowsIsAnsweredWithAnErrorResponse() {
        EmbeddedChannel channel = channel((context, request) -> {
            throw new IllegalStateException("handler bug");
        });
        AbstractRequest request = KafkaFrames.createTopics("t", Map.of());

        write(channel, KafkaFrames.sized(KafkaFrames.frame(request, 9)));

        var response = (CreateTopicsResponse) parse(written(channel), request, 9);
        assertThat(response.data().topics().find("t").errorCode()).isEqualTo(Errors.UNKNOWN_SERVER_ERROR.code());
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void handlerFailureWithoutABuildableErrorResponseClosesTheChannelInsteadOfHanging() {
        EmbeddedChannel channel = channel((context, request) -> {
            throw new IllegalStateException("handler bug");
        });
        // users is nullable on the wire, but kafka-clients' getErrorResponse dereferences it.
        AbstractRequest request = new DescribeUserScramCredentialsRequest.Builder(
                new DescribeUserScramCredentialsRequestData().setUsers(null)).build((short) 0);

        write(channel, KafkaFrames.sized(KafkaFrames.frame(request, 4)));

        assertThat(handled).hasSize(1);
        assertThat(channel.isOpen()).isFalse();
    }
}
