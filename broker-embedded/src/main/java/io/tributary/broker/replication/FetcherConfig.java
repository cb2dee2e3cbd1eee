package io.tributary.broker.replication;

/**
 * How the replica fetchers fetch, with Kafka's names and defaults.
 *
 * @param numFetchers       num.replica.fetchers: fetcher threads per source broker (1)
 * @param fetchMaxBytes     replica.fetch.max.bytes: bytes asked for per partition (1 MiB); the first batch of the
 *                          first partition with data comes whole even if larger (KIP-74)
 * @param responseMaxBytes  replica.fetch.response.max.bytes: bytes asked for per fetch response (10 MiB)
 * @param maxWaitMs         replica.fetch.wait.max.ms: how long the leader may hold a fetch for data (500 ms)
 * @param minBytes          replica.fetch.min.bytes: the data the leader waits for before answering (1)
 * @param backoffMs         replica.fetch.backoff.ms: the pause of a partition after an error, or of every
 *                          partition of a fetcher after a failed fetch (1 s)
 */
public record FetcherConfig(int numFetchers, int fetchMaxBytes, int responseMaxBytes, int maxWaitMs, int minBytes,
                            long backoffMs) {

    public FetcherConfig {
        if (numFetchers < 1) {
            throw new IllegalArgumentException("num.replica.fetchers must be at least 1, not " + numFetchers);
        }
    }

    /** Kafka's defaults. */
    public static FetcherConfig defaults() {
        return new FetcherConfig(1, 1024 * 1024, 10 * 1024 * 1024, 500, 1, 1_000);
    }
}
