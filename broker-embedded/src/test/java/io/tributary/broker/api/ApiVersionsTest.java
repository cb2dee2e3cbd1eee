package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.KafkaFrames;
import io.tributary.broker.testing.RawConnection;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the broker advertises in ApiVersions where Kafka 4.3.1's own answer deviates from kafka-clients' ranges, and
 * the security APIs a plaintext broker without an authorizer answers as Kafka does.
 */
class ApiVersionsTest {
    @TempDir
    static Path dataDir;

    private static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start(dataDir);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static ApiVersion advertised(ApiKeys api) {
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            ApiVersionsResponse response = wire.send(new ApiVersionsRequest.Builder());
            return response.data().apiKeys().find(api.id);
        }
    }

    @Test
    void produceIsAdvertisedFromVersionZeroAsKafkaDoesForLibrdkafka() {
        ApiVersion produce = advertised(ApiKeys.PRODUCE);

        assertThat(produce.minVersion()).isZero();
        assertThat(produce.maxVersion()).isEqualTo(ApiKeys.PRODUCE.latestVersion());
    }

    @Test
    void produceBelowVersionThreeStillClosesTheConnectionAlthoughAdvertised() throws Exception {
        try (RawConnection connection = RawConnection.open(broker.bootstrapServers())) {
            // A well-formed v2 body (acks 1, timeout 30000 ms, no topics): only the version is refused.
            byte[] body = {0, 1, 0, 0, 0x75, 0x30, 0, 0, 0, 0};
            connection.send(KafkaFrames.sized(KafkaFrames.concat(
                    KafkaFrames.header(ApiKeys.PRODUCE.id, (short) 2, (short) 1, 1), body)));

            assertThat(connection.closedByBroker(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void unstableVersionsAreNotAdvertised() {
        // kafka-clients 4.2 knows InitProducerId v6 (KIP-939) but marks it unstable: Kafka serves 0-5 by default.
        assertThat(advertised(ApiKeys.INIT_PRODUCER_ID).maxVersion())
                .isEqualTo(ApiKeys.INIT_PRODUCER_ID.latestVersion(false))
                .isLessThan(ApiKeys.INIT_PRODUCER_ID.latestVersion());
    }

    @Test
    void aclApisAnswerSecurityDisabledAsKafkaWithoutAnAuthorizer() {
        var binding = new AclBinding(new ResourcePattern(ResourceType.TOPIC, "t", PatternType.LITERAL),
                new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW));
        try (Admin admin = Clients.admin(broker.bootstrapServers())) {
            assertThatThrownBy(() -> admin.describeAcls(AclBindingFilter.ANY).values().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SecurityDisabledException.class);
            assertThatThrownBy(() -> admin.createAcls(List.of(binding)).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SecurityDisabledException.class);
            assertThatThrownBy(() -> admin.deleteAcls(List.of(new AclBindingFilter(binding.pattern().toFilter(),
                    AccessControlEntryFilter.ANY))).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SecurityDisabledException.class);
        }
    }

    @Test
    void saslClientAgainstThePlaintextListenerFailsWithAnAuthenticationError() {
        // Kafka answers SaslHandshake on an authenticated (plaintext) connection with ILLEGAL_SASL_STATE: the client
        // reports an authentication failure instead of reconnecting forever.
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, "PLAIN",
                SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"alice\" password=\"secret\";",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000))) {
            assertThatThrownBy(() -> admin.describeCluster().clusterId().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(AuthenticationException.class);
        }
    }
}
