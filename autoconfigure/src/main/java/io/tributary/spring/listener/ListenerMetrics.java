package io.tributary.spring.listener;

/**
 * What listener containers report about each record, for meters. The metrics auto-configuration provides a
 * Micrometer implementation when Micrometer is present; otherwise nothing is recorded.
 */
public interface ListenerMetrics {

    /** A listener returned normally after {@code nanos}. */
    void processed(String topic, String groupId, long nanos);

    /** A listener threw (each failed delivery counts, retries included). */
    void failed(String topic, String groupId);

    /** A record was sent to its dead-letter topic after the last failed delivery. */
    void deadLettered(String topic, String groupId);

    ListenerMetrics NONE = new ListenerMetrics() {
        @Override
        public void processed(String topic, String groupId, long nanos) {
        }

        @Override
        public void failed(String topic, String groupId) {
        }

        @Override
        public void deadLettered(String topic, String groupId) {
        }
    };
}
