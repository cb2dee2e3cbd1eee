package io.tributary.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThrottlerTest {
    private final ManualTime time = new ManualTime(0);
    private final List<Long> pausesMs = new ArrayList<>();

    private Throttler throttler(double maxBytesPerSecond) {
        return new Throttler(maxBytesPerSecond, 100, time, ms -> {
            pausesMs.add(ms);
            time.sleep(ms);
        });
    }

    @Test
    void aPeriodFasterThanTheLimitIsFollowedByAPauseThatBringsItBackToTheLimit() {
        Throttler throttler = throttler(1000);

        throttler.maybeThrottle(600);
        time.sleep(100);
        throttler.maybeThrottle(400);   // 1,000 bytes in 100 ms: at 1,000 B/s they take a second

        assertThat(pausesMs).containsExactly(900L);
    }

    @Test
    void noPauseWithinTheLimitOrBeforeTheCheckInterval() {
        Throttler throttler = throttler(1000);

        throttler.maybeThrottle(5_000);  // the period has not ended yet
        time.sleep(5_000);
        throttler.maybeThrottle(0);      // 5,000 bytes in 5 s: exactly the limit
        time.sleep(200);
        throttler.maybeThrottle(100);    // 100 bytes in 200 ms: half the limit

        assertThat(pausesMs).isEmpty();
    }

    @Test
    void theDefaultLimitNeverPauses() {
        Throttler throttler = throttler(Double.MAX_VALUE);

        throttler.maybeThrottle(Long.MAX_VALUE / 2);
        time.sleep(1_000);
        throttler.maybeThrottle(Long.MAX_VALUE / 2);

        assertThat(pausesMs).isEmpty();
    }
}
