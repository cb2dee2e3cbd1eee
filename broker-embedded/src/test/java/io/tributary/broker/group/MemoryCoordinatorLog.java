package io.tributary.broker.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;

/**
 * {@code __consumer_offsets} in memory, one partition: every record gets the next offset,
 * transactional appends remember their producer, and the test appends transaction markers where the server would.
 * Appends can be made to fail. Single-threaded, like the tests that drive it.
 */
final class MemoryCoordinatorLog implements CoordinatorLog {
    /** One position of the log: a data record (marker == null) or a transaction marker. */
    private record Slot(Entry entry, long producerId, Boolean marker) {
    }

    private final Map<Integer, List<Slot>> partitions = new HashMap<>();
    private Errors failure = Errors.NONE;

    /** Makes every following append fail with {@code error} ({@link Errors#NONE} to succeed again). */
    void failWith(Errors error) {
        this.failure = error;
    }

    /** The data records of {@code partition}, transactional or not, in offset order. */
    List<Entry> records(int partition) {
        return slots(partition).stream().filter(slot -> slot.marker() == null).map(Slot::entry).toList();
    }

    /** Appends the COMMIT or ABORT marker of {@code producerId}'s transaction, as the server does; its offset. */
    long appendMarker(int partition, long producerId, boolean commit) {
        List<Slot> slots = partitions.computeIfAbsent(partition, p -> new ArrayList<>());
        slots.add(new Slot(null, producerId, commit));
        return slots.size() - 1;
    }

    private List<Slot> slots(int partition) {
        return partitions.getOrDefault(partition, List.of());
    }

    @Override
    public int partitionCount() {
        return 1;
    }

    @Override
    public boolean isLeader(int partition) {
        return true;
    }

    @Override
    public CompletableFuture<Appended> append(int partition, List<Entry> entries) {
        return add(partition, RecordBatch.NO_PRODUCER_ID, entries);
    }

    @Override
    public CompletableFuture<Appended> appendTransactional(int partition, long producerId, short producerEpoch,
                                                           List<Entry> entries) {
        return add(partition, producerId, entries);
    }

    private CompletableFuture<Appended> add(int partition, long producerId, List<Entry> entries) {
        if (failure != Errors.NONE) {
            return CompletableFuture.completedFuture(Appended.failed(failure));
        }
        List<Slot> slots = partitions.computeIfAbsent(partition, p -> new ArrayList<>());
        long baseOffset = slots.size();
        entries.forEach(entry -> slots.add(new Slot(entry, producerId, null)));
        return CompletableFuture.completedFuture(new Appended(Errors.NONE, baseOffset));
    }

    @Override
    public void read(int partition, Visitor visitor) {
        List<Slot> slots = slots(partition);
        for (int offset = 0; offset < slots.size(); offset++) {
            Slot slot = slots.get(offset);
            if (slot.marker() != null) {
                visitor.transactionEnd(offset, slot.producerId(), slot.marker());
            } else {
                Entry entry = slot.entry();
                visitor.record(offset, slot.producerId(), ByteBuffer.wrap(entry.key()),
                        entry.value() == null ? null : ByteBuffer.wrap(entry.value()));
            }
        }
    }
}
