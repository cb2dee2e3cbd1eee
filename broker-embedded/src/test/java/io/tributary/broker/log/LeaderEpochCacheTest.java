package io.tributary.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.log.LeaderEpochCache.EpochEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaderEpochCacheTest {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve(PartitionLog.EPOCH_CHECKPOINT);
    }

    private LeaderEpochCache cacheWithEpochs0At0And2At100And5At250() throws Exception {
        var cache = new LeaderEpochCache(file());
        cache.assign(0, 0);
        cache.assign(2, 100);
        cache.assign(5, 250);
        return cache;
    }

    @Test
    void onlyNewerEpochsAreAssigned() throws Exception {
        var cache = cacheWithEpochs0At0And2At100And5At250();
        cache.assign(5, 300);
        cache.assign(3, 400);
        cache.assign(-1, 500);

        assertThat(cache.entries()).containsExactly(new EpochEntry(0, 0), new EpochEntry(2, 100),
                new EpochEntry(5, 250));
        assertThat(cache.latestEpoch()).isEqualTo(5);
    }

    @Test
    void endOffsetIsWhereTheNextEpochStartsOrTheLogEndForTheLatest() throws Exception {
        var cache = cacheWithEpochs0At0And2At100And5At250();

        assertThat(cache.endOffsetFor(0, 400)).isEqualTo(new EpochEntry(0, 100));
        assertThat(cache.endOffsetFor(2, 400)).isEqualTo(new EpochEntry(2, 250));
        // Epoch 3 and 4 never had a leader here: the answer is the largest epoch below, ending where 5 starts.
        assertThat(cache.endOffsetFor(4, 400)).isEqualTo(new EpochEntry(2, 250));
        assertThat(cache.endOffsetFor(5, 400)).isEqualTo(new EpochEntry(5, 400));
    }

    @Test
    void anEpochNewerThanTheLatestOrUndefinedHasNoEndOffset() throws Exception {
        var cache = cacheWithEpochs0At0And2At100And5At250();

        // As Kafka's LeaderEpochFileCache.endOffsetFor: no epoch above the latest is known.
        assertThat(cache.endOffsetFor(6, 400)).isEqualTo(new EpochEntry(-1, -1));
        assertThat(cache.endOffsetFor(-1, 400)).isEqualTo(new EpochEntry(-1, -1));
        assertThat(new LeaderEpochCache(dir.resolve("empty")).endOffsetFor(0, 50)).isEqualTo(new EpochEntry(-1, -1));
        assertThat(new LeaderEpochCache(dir.resolve("empty")).latestEpoch()).isEqualTo(-1);
    }

    @Test
    void anEpochOlderThanTheFirstKnownEndsWhereTheFirstKnownStarts() throws Exception {
        var cache = new LeaderEpochCache(file());
        cache.assign(3, 10);
        cache.assign(4, 30);

        // The log before offset 10 is gone: Kafka answers the requested epoch, ending at the first known epoch.
        assertThat(cache.endOffsetFor(2, 50)).isEqualTo(new EpochEntry(2, 10));
        assertThat(cache.endOffsetFor(0, 50)).isEqualTo(new EpochEntry(0, 10));
    }

    @Test
    void truncatingFromTheEndDropsEpochsStartingAtOrAfterTheOffset() throws Exception {
        var cache = cacheWithEpochs0At0And2At100And5At250();

        cache.truncateFromEnd(250);

        assertThat(cache.entries()).containsExactly(new EpochEntry(0, 0), new EpochEntry(2, 100));
        assertThat(cache.endOffsetFor(2, 260)).isEqualTo(new EpochEntry(2, 260));
        assertThat(cache.endOffsetFor(5, 260)).isEqualTo(new EpochEntry(-1, -1));
    }

    @Test
    void truncatingFromTheStartDropsSupersededEpochsAndMovesTheFirstStart() throws Exception {
        var cache = cacheWithEpochs0At0And2At100And5At250();

        cache.truncateFromStart(150);
        assertThat(cache.entries()).containsExactly(new EpochEntry(2, 150), new EpochEntry(5, 250));

        cache.truncateFromStart(250);
        assertThat(cache.entries()).containsExactly(new EpochEntry(5, 250));
    }

    @Test
    void entriesSurviveAReloadInKafkasCheckpointFormat() throws Exception {
        cacheWithEpochs0At0And2At100And5At250();

        assertThat(Files.readAllLines(file())).containsExactly("0", "3", "0 0", "2 100", "5 250");
        assertThat(new LeaderEpochCache(file()).entries()).containsExactly(new EpochEntry(0, 0),
                new EpochEntry(2, 100), new EpochEntry(5, 250));
    }

    @Test
    void anUnreadableCheckpointStartsEmpty() throws Exception {
        Files.writeString(file(), "0\n2\n0 0\nnot-a-number 5\n");
        assertThat(new LeaderEpochCache(file()).entries()).isEmpty();

        Files.writeString(file(), "1\n1\n0 0\n");
        assertThat(new LeaderEpochCache(file()).entries()).isEmpty();
    }
}
