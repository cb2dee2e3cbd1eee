package io.tributary.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Consumer groups through librdkafka 2.15's own API ({@code KafkaConsumer}, the classic protocol), side by side with
 * Apache Kafka ({@link SideBySide}, {@code interop/confluent-js/scenarios/groups.js}): the three assignors with
 * members joining one by one, rebalance callbacks and the commits made from them, regex subscriptions, seek and
 * pause, committed offsets and where a restarted member resumes.
 *
 * <p>Member ids are random and the range and sticky assignors order members by id, so the scenarios print each
 * member's callbacks (how many partitions each carried) and the set of final assignments, not who got which.
 */
class LibrdkafkaGroupsInteropTest {
    @RegisterExtension
    static final SideBySide brokers = new SideBySide();

    @Test
    void rangeGivesEachMemberAContiguousRangeAndTheRevocationCommitHandsOverWhatWasRead() throws Exception {
        assertThat(brokers.run("groups", "range", "2", "4")).containsExactly(
                "member 0 callbacks assign 4, revoke 4 commit 4 0, assign 2",
                "member 1 callbacks assign 2",
                "assignments 0,1 2,3",
                "member 0 read 12",
                "member 1 read 4",
                "records read 16, distinct 16",
                "committed 0:4 1:4 2:4 3:4");
    }

    @Test
    void roundRobinDealsThePartitionsOutAcrossThreeMembers() throws Exception {
        assertThat(brokers.run("groups", "roundrobin", "3", "6")).containsExactly(
                "member 0 callbacks assign 6, revoke 6 commit 6 0, assign 3, revoke 3 commit none, assign 2",
                "member 1 callbacks assign 3, revoke 3 commit none, assign 2",
                "member 2 callbacks assign 2",
                "assignments 0,3 1,4 2,5",
                "member 0 read 16",
                "member 1 read 4",
                "member 2 read 4",
                "records read 24, distinct 24",
                "committed 0:4 1:4 2:4 3:4 4:4 5:4");
    }

    /**
     * Incremental rebalancing: members revoke only what moves (committing it first) and keep reading the rest; the
     * partitions move in the next generation. The scenario leaves out empty incremental assignments, which a member
     * sees or not depending on timing.
     */
    @Test
    void cooperativeStickyRevokesOnlyThePartitionsThatMove() throws Exception {
        assertThat(brokers.run("groups", "cooperative-sticky", "3", "6")).containsExactly(
                "member 0 callbacks assign 6, revoke 3 commit 3 0, revoke 1 commit 1 0",
                "member 1 callbacks assign 3, revoke 1 commit none",
                "member 2 callbacks assign 2",
                "assignments 0,3 1,2 4,5",
                "member 0 read 16",
                "member 1 read 4",
                "member 2 read 4",
                "records read 24, distinct 24",
                "committed 0:4 1:4 2:4 3:4 4:4 5:4");
    }

    @Test
    void regexSubscriptionPicksUpATopicCreatedAfterwards() throws Exception {
        assertThat(brokers.run("groups", "regex")).containsExactly(
                "assigned rx-a/0 rx-a/1",
                "assigned rx-a/0 rx-a/1 rx-b/0",
                "callbacks assign 2, revoke 2 commit 2 0, assign 3",
                "read rx-a/0@0 p0-0",
                "read rx-a/1@0 p1-0",
                "read rx-b/0@0 p0-0");
    }

    /**
     * Commits from the revocation callback while the member leaves. During close() the binding refuses the call
     * itself; after unsubscribe() librdkafka holds its LeaveGroup until the callback's commit is answered, so it is
     * stored; a commit made after the LeaveGroup carries the old generation and no member id and is refused
     * (UNKNOWN_MEMBER_ID, 25), and once the empty group is deleted as well OffsetCommit v9 answers
     * GROUP_ID_NOT_FOUND (69), where Tributary once answered ILLEGAL_GENERATION.
     */
    @Test
    void revocationCommitWhileLeavingCountsOnlyBeforeTheLeaveGroup() throws Exception {
        assertThat(brokers.run("groups", "close-commit")).containsExactly(
                "close: callbacks assign 2, revoke 2 commit 2 'KafkaConsumer is disconnected'",
                "close: committed 0:none 1:none",
                "unsubscribe: callbacks assign 2, revoke 2 commit 2 0",
                "unsubscribe: committed 0:2 1:2",
                "after-leave: callbacks assign 2, revoke 2 after leaving commit 2 25",
                "after-leave: committed 0:none 1:none",
                "after-delete: callbacks assign 2, group deleted 0, revoke 2 after deletion commit 2 69",
                "after-delete: committed 0:none 1:none");
    }

    @Test
    void seekRereadsAndAPausedPartitionWaitsWhileTheOthersFlow() throws Exception {
        assertThat(brokers.run("groups", "seek-pause")).containsExactly(
                "read 0@0 0@1 0@2 1@0 1@1 1@2 2@0 2@1 2@2",
                "after seeking: 0@1 0@2 1@0 1@1 1@2",
                "while partition 2 is paused: 0@3 0@4 1@3 1@4",
                "after resuming: 2@3 2@4",
                "positions 0:5 1:5 2:5");
    }

    @Test
    void committedOffsetsReadBackAndARestartedMemberResumesThere() throws Exception {
        assertThat(brokers.run("groups", "resume")).containsExactly(
                "first member committed 0:3 'checkpoint'",
                "restarted member read 0@3 p0-3, 0@4 p0-4, 0@5 p0-5",
                "committed after close 0:6");
    }
}
