package io.tributary.broker.network;

import io.tributary.broker.api.RequestRouter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestAndSize;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * Decodes one request frame (the bytes after the int32 size prefix) as Kafka's broker does:
 *
 * <pre>
 * | request header (api key, version, correlation id, client id, tagged fields) | body at that version |
 * </pre>
 *
 * <p>The header goes through {@link RequestHeader#parse}, the body through {@link RequestContext#parseRequest},
 * both kafka-clients' generated codecs, and exactly as leniently as Kafka's broker ({@code SocketServer} and
 * {@code RequestChannel.Request} do the same two calls):
 * <ul>
 *   <li>bytes after the body are ignored: Kafka never checks that the body used the whole frame, and librdkafka
 *       2.15 relies on it (its Metadata v13 requests carry three bytes past the body);
 *   <li>unknown tagged fields are kept by the generated readers and otherwise ignored;
 *   <li>a truncated body, a length or count past the end of the frame, an unknown API key or a version we do not
 *       serve is rejected: the caller closes the connection, as Kafka does;
 *   <li>ApiVersions decodes at any version (KIP-511), as v0 when it is newer than we know, so the client can be
 *       told our ranges.
 * </ul>
 *
 * <p>Every failure is an {@link InvalidRequestException} or {@link UnsupportedVersionException}. Stateless.
 */
final class RequestDecoder {
    private static final ListenerName LISTENER = ListenerName.forSecurityProtocol(SecurityProtocol.PLAINTEXT);

    private RequestDecoder() {
    }

    record Decoded(RequestContext context, AbstractRequest request) {
    }

    static Decoded decode(ByteBuffer frame, RequestRouter router, String connectionId, SocketAddress remote) {
        RequestHeader header = RequestHeader.parse(frame);
        ApiKeys api = header.apiKey();
        if (api != ApiKeys.API_VERSIONS && !router.isEnabled(api, header.apiVersion())) {
            throw new UnsupportedVersionException(api + " v" + header.apiVersion() + " is not served");
        }
        // Netty's EmbeddedChannel (handler tests) has no inet address; the context only uses it for logging.
        InetAddress address = remote instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress() : InetAddress.getLoopbackAddress();
        Optional<Integer> port = remote instanceof InetSocketAddress inet ? Optional.of(inet.getPort()) : Optional.empty();
        var context = new RequestContext(header, connectionId, address, port, KafkaPrincipal.ANONYMOUS, LISTENER,
                SecurityProtocol.PLAINTEXT, ClientInformation.EMPTY, false);
        RequestAndSize parsed = context.parseRequest(frame);
        return new Decoded(context, parsed.request);
    }
}
