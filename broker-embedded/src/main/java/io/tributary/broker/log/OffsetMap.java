package io.tributary.broker.log;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The cleaner's key → latest offset map: a fixed-size open-addressing hash table of key digests, so its memory is
 * bounded whatever the keys (Kafka's SkimpyOffsetMap does the same). Each slot holds the first 16 bytes of the
 * key's MD5 (two longs) and an offset, 24 bytes:
 *
 * <pre>
 * digests: | hi0 lo0 | hi1 lo1 | ...     offsets: | off0 | off1 | ...   (-1 = empty slot)
 * </pre>
 *
 * <p>Two keys with the same 128-bit digest would be taken for one; as in Kafka, that chance is ignored. The
 * arrays are allocated on first use and grow only up to {@code maxBytes}, so a broker whose compacted logs are
 * small never holds the whole dedupe buffer. Not thread-safe: each cleaner thread owns one.
 */
final class OffsetMap {
    static final int BYTES_PER_ENTRY = 24;

    private final int maxSlots;
    private final MessageDigest md5;
    private final byte[] digest = new byte[16];
    private long[] digests = new long[0];
    private long[] offsets = new long[0];
    private int slots;
    private int entries;
    private long latestOffset = -1;

    OffsetMap(long maxBytes) {
        this.maxSlots = (int) Math.min(maxBytes / BYTES_PER_ENTRY, Integer.MAX_VALUE / 2);
        if (maxSlots < 1) {
            throw new IllegalArgumentException("An offset map of " + maxBytes + " bytes holds no entry");
        }
        try {
            this.md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is a required JDK algorithm", e);
        }
    }

    /** The most slots this map can ever have. */
    int maxSlots() {
        return maxSlots;
    }

    /** Empties the map and sizes it for {@code wantedSlots} (at most {@link #maxSlots()}). */
    void clear(long wantedSlots) {
        int target = (int) Math.max(1, Math.min(wantedSlots, maxSlots));
        if (offsets.length < target) {
            digests = new long[target * 2];
            offsets = new long[target];
        }
        slots = target;
        Arrays.fill(offsets, 0, slots, -1L);
        entries = 0;
        latestOffset = -1;
    }

    int slots() {
        return slots;
    }

    int size() {
        return entries;
    }

    /** Records {@code offset} as the latest for {@code key}; a new key takes a slot, a known one is overwritten. */
    void put(ByteBuffer key, long offset) {
        hash(key);
        long hi = toLong(0);
        long lo = toLong(8);
        int slot = firstSlot(hi);
        for (int probes = 0; probes < slots; probes++) {
            if (offsets[slot] == -1) {
                digests[2 * slot] = hi;
                digests[2 * slot + 1] = lo;
                offsets[slot] = offset;
                entries++;
                latestOffset = offset;
                return;
            }
            if (digests[2 * slot] == hi && digests[2 * slot + 1] == lo) {
                offsets[slot] = offset;
                latestOffset = offset;
                return;
            }
            slot = slot + 1 == slots ? 0 : slot + 1;
        }
        throw new IllegalStateException("The offset map is full (" + slots + " entries)");
    }

    /** The latest offset recorded for {@code key}, or -1. */
    long get(ByteBuffer key) {
        hash(key);
        long hi = toLong(0);
        long lo = toLong(8);
        int slot = firstSlot(hi);
        for (int probes = 0; probes < slots && offsets[slot] != -1; probes++) {
            if (digests[2 * slot] == hi && digests[2 * slot + 1] == lo) {
                return offsets[slot];
            }
            slot = slot + 1 == slots ? 0 : slot + 1;
        }
        return -1;
    }

    /** The last offset the map covers: every keyed record up to it was put. */
    long latestOffset() {
        return latestOffset;
    }

    void updateLatestOffset(long offset) {
        latestOffset = offset;
    }

    private void hash(ByteBuffer key) {
        md5.update(key.duplicate());
        try {
            md5.digest(digest, 0, digest.length);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    private long toLong(int from) {
        long value = 0;
        for (int i = from; i < from + 8; i++) {
            value = (value << 8) | (digest[i] & 0xFF);
        }
        return value;
    }

    private int firstSlot(long hi) {
        return (int) Long.remainderUnsigned(hi, slots);
    }
}
