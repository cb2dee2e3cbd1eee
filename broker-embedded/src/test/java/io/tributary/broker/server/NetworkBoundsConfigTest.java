package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The configs that bound the broker's network memory and threads (issue 14 faults 10 and 11). */
class NetworkBoundsConfigTest {
    @Test
    void queuedMaxRequestBytesBelowOneRequestIsRejectedAsKafkaDoes() {
        assertThatThrownBy(() -> BrokerConfig.fromMap(Map.of("socket.request.max.bytes", "1048576",
                "queued.max.request.bytes", "1048575")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("queued.max.request.bytes")
                .hasMessageContaining("socket.request.max.bytes");
    }

    @Test
    void queuedMaxRequestBytesOfMinusOneIsUnboundedAsInKafka() {
        assertThat(BrokerConfig.fromMap(Map.of("queued.max.request.bytes", "-1")).queuedMaxRequestBytes())
                .isEqualTo(Long.MAX_VALUE);
        assertThat(BrokerConfig.fromMap(Map.of("queued.max.request.bytes", "209715200")).queuedMaxRequestBytes())
                .isEqualTo(209_715_200L);
    }

    @Test
    void unsetQueuedMaxRequestBytesIsAQuarterOfTheHeapAndAtLeastOneRequest() {
        long quarterHeap = Runtime.getRuntime().maxMemory() / 4;
        assertThat(BrokerConfig.defaults().queuedMaxRequestBytes())
                .isEqualTo(Math.max(quarterHeap, 104_857_600L));
        int hugeRequests = (int) Math.min(Integer.MAX_VALUE, quarterHeap + 1);
        assertThat(BrokerConfig.fromMap(Map.of("socket.request.max.bytes", String.valueOf(hugeRequests)))
                .queuedMaxRequestBytes()).isEqualTo(Math.max(quarterHeap, hugeRequests));
    }

    @Test
    void idleTimeoutAndBackgroundThreadsDefaultToKafkas() {
        BrokerConfig config = BrokerConfig.defaults();

        assertThat(config.connectionsMaxIdleMs()).isEqualTo(600_000L);
        assertThat(config.backgroundThreads()).isEqualTo(10);
    }
}
