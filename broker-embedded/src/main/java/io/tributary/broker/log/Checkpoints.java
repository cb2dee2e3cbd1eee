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

/**
 * Small text checkpoint files (recovery points, log start offsets, leader epochs), written to a temporary file,
 * forced, and renamed over the old one so a crash leaves either the old or the new content, never a mix.
 *
 * <pre>
 * 0                 (version)
 * 2                 (entry count)
 * orders 0 1200     (topic partition value)
 * orders 1 800
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

    /** Writes {@code "topic partition value"} lines. */
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
