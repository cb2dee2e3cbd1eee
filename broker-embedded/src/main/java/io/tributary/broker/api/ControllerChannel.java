package io.tributary.broker.api;

import io.tributary.broker.metadata.Controller;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * The way from any node to the active controller, as Kafka's brokers forward to theirs: a controller request
 * (BrokerRegistration, BrokerHeartbeat, AlterPartition, AllocateProducerIds, and the admin requests that change
 * metadata: CreateTopics, DeleteTopics, CreatePartitions, AlterConfigs) runs on this node's {@link #controllerApis}
 * when this node is the active controller, and is otherwise sent, serialized, to the active controller through the
 * metadata log's transport ({@link Controller#forward}), which runs it on its own controller APIs.
 *
 * <pre>
 * forwarded request:  | api key int16 | api version int16 | request body (Kafka's encoding of that version) |
 * forwarded answer:   | response body of the same version |
 * </pre>
 *
 * <p>A client-facing handler wraps itself with {@link #forwarding}, so it answers the same on every node.
 */
public final class ControllerChannel {
    private static final ListenerName LISTENER = new ListenerName("CONTROLLER");
    private static final AtomicInteger CORRELATION = new AtomicInteger();

    private final Controller controller;
    private final String clientId;
    private final IntPredicate reachable;
    private volatile RequestRouter controllerApis;

    public ControllerChannel(Controller controller, int nodeId) {
        this(controller, nodeId, node -> true);
    }

    /**
     * @param reachable whether a node can be reached from here and answer: tests of in-process clusters cut a
     *                  node off its controller with it (its heartbeats stop, so it is fenced); always true otherwise
     */
    public ControllerChannel(Controller controller, int nodeId, IntPredicate reachable) {
        this.controller = controller;
        this.clientId = "tributary-node-" + nodeId;
        this.reachable = reachable;
        controller.forwardedRequestHandler(this::handleForwarded);
    }

    /** The APIs this node serves as the active controller. Set once, before the node serves requests. */
    public void controllerApis(RequestRouter apis) {
        this.controllerApis = apis;
    }

    /** Runs {@code request} on the active controller, here or wherever it is, and completes with its answer. */
    public CompletableFuture<AbstractResponse> send(AbstractRequest request) {
        ApiKeys api = request.apiKey();
        short version = request.version();
        if (controller.isActive()) {
            return runLocally(request);
        }
        int active = controller.activeControllerId();
        if (active >= 0 && !reachable.test(active)) {
            return CompletableFuture.failedFuture(new NotControllerException("The active controller, node " + active
                    + ", cannot be reached"));
        }
        ByteBuffer body = request.serialize().buffer();
        ByteBuffer frame = ByteBuffer.allocate(4 + body.remaining());
        frame.putShort(api.id).putShort(version).put(body).flip();
        return controller.forward(frame).thenApply(answer ->
                AbstractResponse.parseResponse(api, new ByteBufferAccessor(answer.duplicate()), version));
    }

    /**
     * Wraps a handler of a controller request so that any node answers it: run here on the active controller,
     * forwarded from the others. A forwarding failure (no controller reachable) is answered with the request's own
     * error response (NOT_CONTROLLER for the client to retry, as Kafka answers).
     */
    public <R extends AbstractRequest> ApiHandler<R> forwarding(ApiHandler<R> handler) {
        return (context, request) -> {
            if (controller.isActive()) {
                return handler.handle(context, request);
            }
            return send(request).handle((answer, failure) -> {
                if (failure == null) {
                    return answer;
                }
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                return request.getErrorResponse(0, cause instanceof NotControllerException ? cause
                        : new NotControllerException("The active controller could not be reached: " + cause));
            });
        };
    }

    private CompletableFuture<AbstractResponse> runLocally(AbstractRequest request) {
        RequestRouter apis = controllerApis;
        if (apis == null) {
            return CompletableFuture.failedFuture(new NotControllerException("The controller is starting"));
        }
        var header = new RequestHeader(request.apiKey(), request.version(), clientId, CORRELATION.incrementAndGet());
        var context = new RequestContext(header, "controller-channel", InetAddress.getLoopbackAddress(),
                KafkaPrincipal.ANONYMOUS, LISTENER, SecurityProtocol.PLAINTEXT, ClientInformation.EMPTY, true);
        try {
            return apis.handle(context, request).thenApply(answer -> (AbstractResponse) answer);
        } catch (RuntimeException e) {
            // A handler that refuses the request before it starts (a field no valid request carries).
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A request forwarded to this node as the active controller. */
    private CompletableFuture<ByteBuffer> handleForwarded(ByteBuffer frame) {
        ByteBuffer buffer = frame.duplicate();
        ApiKeys api;
        short version;
        AbstractRequest request;
        try {
            api = ApiKeys.forId(buffer.getShort());
            version = buffer.getShort();
            request = AbstractRequest.parseRequest(api, version, new ByteBufferAccessor(buffer)).request;
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        short answerVersion = version;
        AbstractRequest forwarded = request;
        // A failure is answered as the forwarding node would answer it here: the request's own error response (an
        // INVALID_REQUEST stays one), never an empty frame the forwarding node would read as success.
        return runLocally(request).handle((answer, failure) -> {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            AbstractResponse response = failure == null ? answer : forwarded.getErrorResponse(0, cause);
            return MessageUtil.toByteBufferAccessor(response.data(), answerVersion).buffer();
        });
    }
}
