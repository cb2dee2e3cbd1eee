package io.tributary.broker.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.tributary.broker.api.RequestRouter;
import io.tributary.broker.testing.KafkaFrames;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.junit.jupiter.api.Test;

/**
 * The bounds {@link RequestFrameDecoder} keeps, on Netty's {@link EmbeddedChannel} (issue 14 fault 10): one request
 * of a connection at a time, read once the previous response is sent and the channel is writable; request bytes
 * and queued requests admitted broker-wide by {@link QueuedRequests} before anything is allocated; idle connections
 * closed unless they wait for the broker.
 */
class RequestFrameDecoderTest {
    private static final byte[] API_VERSIONS = KafkaFrames.sized(KafkaFrames.frame(KafkaFrames.apiVersions(), 1));
    private static final int FRAME_BYTES = API_VERSIONS.length - 4;

    /** Every request handled by any test channel, answered when the test completes its future. */
    private final List<CompletableFuture<AbstractResponse>> pending = new ArrayList<>();
    /** Request-thread tasks, run when the test says (for the queued-requests bound); null: run at once. */
    private ArrayDeque<Runnable> requestThread;

    private final RequestRouter router = new RequestRouter() {
        @Override
        public boolean isEnabled(ApiKeys api, short version) {
            return api.isVersionSupported(version);
        }

        @Override
        public CompletableFuture<? extends AbstractResponse> handle(RequestContext context, AbstractRequest request) {
            var future = new CompletableFuture<AbstractResponse>();
            pending.add(future);
            return future;
        }
    };

    private final Executor executor = task -> {
        if (requestThread == null) {
            task.run();
        } else {
            requestThread.add(task);
        }
    };

    private EmbeddedChannel channel(QueuedRequests queue) {
        var channel = new EmbeddedChannel();
        SocketServer.configure(channel.pipeline(), 1024, 0, queue, router, executor, Set.of());
        return channel;
    }

    private static void write(EmbeddedChannel channel, byte[] bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
        channel.runPendingTasks();
    }

    private void answer(int index, EmbeddedChannel channel) {
        pending.get(index).complete(new ApiVersionsResponse(new ApiVersionsResponseData()));
        channel.runPendingTasks();
    }

    /** How many whole responses the pipeline wrote to the client since last asked. */
    private static int responses(EmbeddedChannel channel) {
        ByteBuf all = Unpooled.buffer();
        Object part;
        while ((part = channel.readOutbound()) != null) {
            ByteBuf buf = (ByteBuf) part;
            all.writeBytes(buf);
            buf.release();
        }
        int count = 0;
        while (all.readableBytes() >= 4 && all.readableBytes() >= 4 + all.getInt(all.readerIndex())) {
            all.skipBytes(all.readInt());
            count++;
        }
        assertThat(all.isReadable()).as("no partial response").isFalse();
        return count;
    }

    @Test
    void nextRequestIsNotReadUntilTheResponseIsSent() {
        var queue = new QueuedRequests(Long.MAX_VALUE, 500);
        EmbeddedChannel channel = channel(queue);

        write(channel, KafkaFrames.concat(API_VERSIONS, API_VERSIONS, API_VERSIONS));

        assertThat(pending).hasSize(1);
        assertThat(channel.config().isAutoRead()).as("the connection is not read").isFalse();
        assertThat(queue.usedBytes()).as("only the request in flight is allocated").isEqualTo(FRAME_BYTES);

        answer(0, channel);
        assertThat(responses(channel)).isEqualTo(1);
        assertThat(pending).hasSize(2);
        answer(1, channel);
        answer(2, channel);
        assertThat(responses(channel)).isEqualTo(2);
        assertThat(channel.config().isAutoRead()).as("reading again once every response is sent").isTrue();
        channel.finishAndReleaseAll();
    }

    @Test
    void requestWaitsForBytesHeldByAnotherConnection() {
        var queue = new QueuedRequests(FRAME_BYTES + FRAME_BYTES / 2, 500);
        requestThread = new ArrayDeque<>();
        EmbeddedChannel first = channel(queue);
        EmbeddedChannel second = channel(queue);

        write(first, API_VERSIONS);
        write(second, API_VERSIONS);

        assertThat(requestThread).as("only the first request fits").hasSize(1);
        assertThat(queue.usedBytes()).isEqualTo(FRAME_BYTES);
        assertThat(queue.waiting()).isEqualTo(1);
        assertThat(second.config().isAutoRead()).as("the second connection is not read meanwhile").isFalse();

        requestThread.poll().run();
        answer(0, first);
        second.runPendingTasks();

        assertThat(requestThread).as("the first request's bytes went back: the second one is read").hasSize(1);
        assertThat(queue.peakBytes()).isEqualTo(FRAME_BYTES);
        requestThread.poll().run();
        answer(1, second);
        assertThat(responses(second)).isEqualTo(1);
        assertThat(queue.usedBytes()).isZero();
        first.finishAndReleaseAll();
        second.finishAndReleaseAll();
    }

    @Test
    void requestWaitsForARequestThreadToTakeUpAQueuedOne() {
        var queue = new QueuedRequests(Long.MAX_VALUE, 1);
        requestThread = new ArrayDeque<>();
        EmbeddedChannel first = channel(queue);
        EmbeddedChannel second = channel(queue);

        write(first, API_VERSIONS);
        write(second, API_VERSIONS);
        assertThat(requestThread).as("queued.max.requests reached").hasSize(1);
        assertThat(queue.waiting()).isEqualTo(1);

        requestThread.poll().run();
        second.runPendingTasks();

        assertThat(requestThread).as("taken up by a request thread: the next request is read").hasSize(1);
        assertThat(pending).hasSize(1);
        first.finishAndReleaseAll();
        second.finishAndReleaseAll();
    }

    @Test
    void connectionClosedWhileWaitingForRoomTakesNone() {
        var queue = new QueuedRequests(FRAME_BYTES, 500);
        EmbeddedChannel first = channel(queue);
        EmbeddedChannel second = channel(queue);
        write(first, API_VERSIONS);
        write(second, API_VERSIONS);
        assertThat(queue.waiting()).isEqualTo(1);

        second.close();
        answer(0, first);

        assertThat(queue.waiting()).isZero();
        assertThat(queue.usedBytes()).isZero();
        assertThat(pending).hasSize(1);
        first.finishAndReleaseAll();
    }

    @Test
    void connectionClosedMidFrameGivesItsBytesBack() {
        var queue = new QueuedRequests(Long.MAX_VALUE, 500);
        EmbeddedChannel channel = channel(queue);

        write(channel, Arrays.copyOf(API_VERSIONS, API_VERSIONS.length - 3));
        assertThat(queue.usedBytes()).isEqualTo(FRAME_BYTES);
        channel.close();

        assertThat(queue.usedBytes()).isZero();
        assertThat(pending).isEmpty();
    }

    @Test
    void connectionIsNotReadWhileItsChannelIsNotWritable() {
        EmbeddedChannel channel = channel(new QueuedRequests(Long.MAX_VALUE, 500));
        write(channel, KafkaFrames.concat(API_VERSIONS, API_VERSIONS));

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        answer(0, channel);

        assertThat(pending).as("the response went out, but the socket is backed up").hasSize(1);
        assertThat(channel.config().isAutoRead()).isFalse();

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        channel.runPendingTasks();

        assertThat(pending).hasSize(2);
        channel.finishAndReleaseAll();
    }

    @Test
    void idleConnectionIsClosedUnlessItWaitsForTheBroker() {
        EmbeddedChannel channel = channel(new QueuedRequests(Long.MAX_VALUE, 500));
        write(channel, API_VERSIONS);

        channel.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertThat(channel.isOpen()).as("its request is being handled").isTrue();

        answer(0, channel);
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void largeRequestInLineIsNotOvertakenBySmallerOnes() {
        var queue = new QueuedRequests(100, 500);
        var admitted = new ArrayList<String>();

        assertThat(queue.admit(60, () -> admitted.add("first"))).isNull();
        assertThat(queue.admit(80, () -> admitted.add("large"))).isNotNull();
        assertThat(queue.admit(10, () -> admitted.add("small"))).as("would fit, but waits its turn").isNotNull();

        queue.takenUp();
        queue.release(60);

        assertThat(admitted).containsExactly("large", "small");
        assertThat(queue.usedBytes()).isEqualTo(90);
    }
}
