package io.tributary.broker.log;

import java.util.List;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The value rule of {@code leader.replication.throttled.replicas} and {@code follower.replication.throttled.replicas},
 * as Kafka checks it: {@code *}, or a list of {@code partition:broker} pairs (an empty list too).
 */
final class ThrottledReplicas {
    static final ConfigDef.Validator VALIDATOR = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            if (!(value instanceof List<?> list)) {
                throw new ConfigException(name, value, name + " must be a List");
            }
            List<String> replicas = list.stream().map(element -> String.valueOf(element).trim()).toList();
            boolean pairs = replicas.stream().allMatch(replica -> replica.matches("([0-9]+:[0-9]+)?"));
            if (!pairs && !String.join("", replicas).equals("*")) {
                throw new ConfigException(name, value, name + " must be the literal '*' or a list of replicas in "
                        + "the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...");
            }
        }

        @Override
        public String toString() {
            return "[partitionId]:[brokerId],[partitionId]:[brokerId],...";
        }
    };

    private ThrottledReplicas() {
    }
}
