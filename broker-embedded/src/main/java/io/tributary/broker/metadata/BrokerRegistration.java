package io.tributary.broker.metadata;

import io.tributary.broker.metadata.MetadataRecord.BrokerEndpoint;
import java.util.List;
import org.apache.kafka.common.Uuid;

/**
 * A registered broker as the image holds it: its incarnation (a new one at each start), the epoch the controller
 * gave that registration, where it listens, its rack, and whether it is fenced (holds no leadership, is not offered
 * to clients).
 */
public record BrokerRegistration(int id, Uuid incarnationId, long epoch, List<BrokerEndpoint> endpoints, String rack,
                                 boolean fenced) {
    public BrokerRegistration {
        endpoints = List.copyOf(endpoints);
    }

    /** The first endpoint (the broker's client listener), or null when it registered none. */
    public BrokerEndpoint endpoint() {
        return endpoints.isEmpty() ? null : endpoints.get(0);
    }

    BrokerRegistration withFenced(boolean fenced) {
        return new BrokerRegistration(id, incarnationId, epoch, endpoints, rack, fenced);
    }
}
