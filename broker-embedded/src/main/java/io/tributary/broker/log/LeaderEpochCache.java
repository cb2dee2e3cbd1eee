package io.tributary.broker.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The start offset of every leader epoch a partition log has seen, persisted as {@code leader-epoch-checkpoint}
 * in Kafka's text layout:
 *
 * <pre>
 * 0            (version)
 * 2            (entry count)
 * 0 0          (epoch start-offset)
 * 3 1200
 * </pre>
 *
 * <p>Followers use it through OffsetForLeaderEpoch to find where their log diverges from the leader's.
 * Guarded by the owning log's lock for writes; reads take a snapshot of the list.
 */
public final class LeaderEpochCache {
    /** One leader epoch and the first offset written in it. */
    public record EpochEntry(int epoch, long startOffset) {
    }

    private final Path file;
    private volatile List<EpochEntry> entries;

    LeaderEpochCache(Path file) throws IOException {
        this.file = file;
        this.entries = read(file);
    }

    private static List<EpochEntry> read(Path file) throws IOException {
        var result = new ArrayList<EpochEntry>();
        if (!Files.exists(file)) {
            return result;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.size() < 2 || !lines.get(0).trim().equals("0")) {
            return result;
        }
        try {
            int count = Integer.parseInt(lines.get(1).trim());
            for (int i = 0; i < count && i + 2 < lines.size(); i++) {
                String[] parts = lines.get(i + 2).trim().split("\\s+");
                result.add(new EpochEntry(Integer.parseInt(parts[0]), Long.parseLong(parts[1])));
            }
        } catch (RuntimeException e) {
            result.clear();
        }
        return result;
    }

    public List<EpochEntry> entries() {
        return entries;
    }

    public int latestEpoch() {
        List<EpochEntry> snapshot = entries;
        return snapshot.isEmpty() ? -1 : snapshot.get(snapshot.size() - 1).epoch();
    }

    /** Records that {@code epoch} starts at {@code startOffset}, if it is newer than the latest epoch. */
    void assign(int epoch, long startOffset) {
        List<EpochEntry> snapshot = entries;
        if (epoch < 0 || (!snapshot.isEmpty() && snapshot.get(snapshot.size() - 1).epoch() >= epoch)) {
            return;
        }
        var updated = new ArrayList<>(snapshot);
        updated.add(new EpochEntry(epoch, startOffset));
        entries = updated;
        write();
    }

    /**
     * Kafka's OffsetForLeaderEpoch answer (LeaderEpochFileCache.endOffsetFor): for the latest epoch, that epoch and
     * the log end; for an older one, the largest epoch at or below it and the offset where the next epoch starts; for
     * one older than every epoch known, the epoch asked for and the start of the first known epoch (the log before it
     * is gone). {@code (-1, -1)} for an undefined epoch, one newer than the latest, or when no epoch is known.
     */
    public EpochEntry endOffsetFor(int requestedEpoch, long logEndOffset) {
        List<EpochEntry> snapshot = entries;
        if (requestedEpoch == -1 || snapshot.isEmpty()) {
            return new EpochEntry(-1, -1);
        }
        if (snapshot.get(snapshot.size() - 1).epoch() == requestedEpoch) {
            return new EpochEntry(requestedEpoch, logEndOffset);
        }
        for (int i = 0; i < snapshot.size(); i++) {
            EpochEntry higher = snapshot.get(i);
            if (higher.epoch() > requestedEpoch) {
                return i == 0 ? new EpochEntry(requestedEpoch, higher.startOffset())
                        : new EpochEntry(snapshot.get(i - 1).epoch(), higher.startOffset());
            }
        }
        return new EpochEntry(-1, -1);
    }

    /** Drops entries that start at or after {@code offset} (the log was truncated there). */
    void truncateFromEnd(long offset) {
        List<EpochEntry> snapshot = entries;
        var kept = snapshot.stream().filter(e -> e.startOffset() < offset).toList();
        if (kept.size() != snapshot.size()) {
            entries = new ArrayList<>(kept);
            write();
        }
    }

    /** Drops every entry: the log was deleted and starts over empty (Kafka's {@code clearAndFlush}). */
    void clear() {
        if (!entries.isEmpty()) {
            entries = new ArrayList<>();
            write();
        }
    }

    /** Moves the first epoch's start up to the new log start offset. */
    void truncateFromStart(long logStartOffset) {
        List<EpochEntry> snapshot = entries;
        var kept = new ArrayList<EpochEntry>();
        for (int i = 0; i < snapshot.size(); i++) {
            EpochEntry entry = snapshot.get(i);
            boolean superseded = i + 1 < snapshot.size() && snapshot.get(i + 1).startOffset() <= logStartOffset;
            if (!superseded) {
                kept.add(entry.startOffset() < logStartOffset ? new EpochEntry(entry.epoch(), logStartOffset) : entry);
            }
        }
        if (!kept.equals(snapshot)) {
            entries = kept;
            write();
        }
    }

    private void write() {
        var text = new StringBuilder("0\n").append(entries.size()).append('\n');
        for (EpochEntry entry : entries) {
            text.append(entry.epoch()).append(' ').append(entry.startOffset()).append('\n');
        }
        Checkpoints.writeAtomically(file, text.toString());
    }
}
