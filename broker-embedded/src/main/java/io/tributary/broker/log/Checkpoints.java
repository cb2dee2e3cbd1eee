package io.tributary.broker.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * Small text checkpoint files (recovery points, log start offsets, cleaner offsets, leader epochs), written to a
 * temporary file, forced, and renamed over the old one so a crash leaves either the old or the new content, never a
 * mix. Offsets per partition come in two versions: the recovery points and log start offsets name the topic id of
 * the log each entry was taken from (version 1), so an entry left by a deleted topic never applies to a topic
 * created again under its name; the cleaner's checkpoint is version 0.
 *
 * <pre>
 * 1                                      (version)
 * 2                                      (entry count)
 * orders 0 1200 m5Cq0SLhQNyhGzWQ7Dcx9g   (topic partition value topic_id; version 0: topic partition value)
 * orders 1 800 m5Cq0SLhQNyhGzWQ7Dcx9g
 * </pre>
 */
final class Checkpoints {
    private Checkpoints() {
    }

    static void writeAtomically(Path file, String content) {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(temp, content, StandardCharsets.UTF_8);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write checkpoint " + file, e);
        }
    }

    /** One partition's checkpointed offset and the topic id of its log; null in a version 0 file. */
    record PartitionOffset(long offset, Uuid topicId) {
        /**
         * Whether the entry belongs to the log of topic id {@code logTopicId}: an entry without an id (written before
         * checkpoints carried one) is taken to belong to the log that is on disk under its partition's name.
         */
        boolean belongsTo(Uuid logTopicId) {
            return topicId == null || topicId.equals(logTopicId);
        }
    }

    /** Writes version 1: {@code "topic partition value topic_id"} lines. */
    static void writePartitionOffsets(Path file, Map<String, PartitionOffset> offsetsByPartitionKey) {
        var text = new StringBuilder("1\n").append(offsetsByPartitionKey.size()).append('\n');
        offsetsByPartitionKey.forEach((key, entry) -> text.append(key).append(' ').append(entry.offset()).append(' ')
                .append(entry.topicId()).append('\n'));
        writeAtomically(file, text.toString());
    }

    /**
     * Reads a file of {@link #writePartitionOffsets} (or of {@link #writeOffsets}, whose entries have no topic id),
     * keyed by {@code "topic partition"}; empty if unreadable or of another version.
     */
    static Map<String, PartitionOffset> readPartitionOffsets(Path file) {
        var result = new HashMap<String, PartitionOffset>();
        if (!Files.exists(file)) {
            return result;
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            int version = lines.isEmpty() ? -1 : Integer.parseInt(lines.get(0).trim());
            if (version != 0 && version != 1) {
                return result;
            }
            for (int i = 2; i < lines.size(); i++) {
                String[] parts = lines.get(i).trim().split(" ");
                if (parts.length == 3 + version) {
                    result.put(parts[0] + " " + parts[1], new PartitionOffset(Long.parseLong(parts[2]),
                            version == 1 ? Uuid.fromString(parts[3]) : null));
                }
            }
        } catch (IOException | RuntimeException e) {
            result.clear();
        }
        return result;
    }

    /** Writes version 0: {@code "topic partition value"} lines. */
    static void writeOffsets(Path file, Map<String, Long> offsetsByPartitionKey) {
        var text = new StringBuilder("0\n").append(offsetsByPartitionKey.size()).append('\n');
        offsetsByPartitionKey.forEach((key, value) -> text.append(key).append(' ').append(value).append('\n'));
        writeAtomically(file, text.toString());
    }

    /** Reads {@code "topic partition value"} lines keyed by {@code "topic partition"}; empty if unreadable. */
    static Map<String, Long> readOffsets(Path file) {
        var result = new HashMap<String, Long>();
        if (!Files.exists(file)) {
            return result;
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 2; i < lines.size(); i++) {
                String[] parts = lines.get(i).trim().split(" ");
                if (parts.length == 3) {
                    result.put(parts[0] + " " + parts[1], Long.parseLong(parts[2]));
                }
            }
        } catch (IOException | RuntimeException e) {
            result.clear();
        }
        return result;
    }
}
