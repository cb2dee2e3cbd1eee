package io.tributary.broker.log;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: a seeded, randomized model test of a partition's log. Each seed picks a topic configuration (delete,
 * compact or both; small segments; segment.ms; retention; flush interval) and runs thousands of random operations
 * on a real log on disk, through the partition that keeps its last stable offset and producer state: appends of
 * plain, idempotent and transactional producers (records with current, old and no timestamps, some compressed),
 * retries, commits and aborts, rolls, retention on a manual clock, DeleteRecords, compaction, reads at random
 * offsets under both isolation levels, crashes (nothing flushed, the active segment's unflushed tail cut or
 * followed by garbage) and clean restarts. Every operation is checked against {@link LogModel}; see
 * {@link LogModelRun} for the operations and {@link LogModelReads} for what a read must return.
 *
 * <p>A failure names its seed and operation and lists the operations before it; replay one seed with
 * {@code -Dtributary.logModel.seed=<seed>} (and {@code -Dtributary.logModel.ops=<n>}). The long run is tagged
 * slow: {@code ./mvnw -Pslow -Dtest=LogModelTest -Dtributary.logModel.seeds=200 -Dtributary.logModel.ops=20000}.
 */
class LogModelTest {
    /** The cleanup policy is the seed modulo 3 (delete, compact, both): three seeds of each. */
    private static final long[] SEEDS = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    private static final int OPERATIONS = 3000;
    private static final int SLOW_SEEDS = 100;
    private static final int SLOW_OPERATIONS = 20_000;

    @TempDir
    Path dir;

    @Test
    void randomOperationsOnTheLogAgreeWithTheModel() {
        String replay = System.getProperty("tributary.logModel.seed");
        var seeds = new ArrayList<Long>();
        if (replay != null) {
            seeds.add(Long.parseLong(replay));
        } else {
            for (long seed : SEEDS) {
                seeds.add(seed);
            }
            seeds.add(ThreadLocalRandom.current().nextLong());
        }
        runAll(seeds, Integer.getInteger("tributary.logModel.ops", OPERATIONS));
    }

    @Test
    @Tag("slow")
    void randomOperationsOnTheLogAgreeWithTheModelInALongRun() {
        var seeds = new ArrayList<Long>();
        for (int i = 0; i < Integer.getInteger("tributary.logModel.seeds", SLOW_SEEDS); i++) {
            seeds.add(ThreadLocalRandom.current().nextLong());
        }
        runAll(seeds, Integer.getInteger("tributary.logModel.ops", SLOW_OPERATIONS));
    }

    private void runAll(List<Long> seeds, int operations) {
        for (long seed : seeds) {
            var run = new LogModelRun(seed, dir.resolve("seed-" + seed));
            long startNs = System.nanoTime();
            run.run(operations);
            System.out.println("LogModelTest: " + operations + " operations in " + (System.nanoTime() - startNs)
                    / 1_000_000 + " ms, " + run.description());
        }
    }
}
