package io.tributary.broker.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OffsetMapTest {
    private static ByteBuffer key(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void itsMemoryBoundFixesTheSlotCount() {
        assertThat(new OffsetMap(100 * OffsetMap.BYTES_PER_ENTRY + 23).maxSlots()).isEqualTo(100);
        assertThatThrownBy(() -> new OffsetMap(OffsetMap.BYTES_PER_ENTRY - 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aKeyMapsToTheLastOffsetPutAndCountsOnce() {
        var map = new OffsetMap(1024);
        map.clear(Long.MAX_VALUE);

        map.put(key("a"), 3);
        map.put(key("b"), 4);
        map.put(key("a"), 7);

        assertThat(map.get(key("a"))).isEqualTo(7);
        assertThat(map.get(key("b"))).isEqualTo(4);
        assertThat(map.get(key("c"))).isEqualTo(-1);
        assertThat(map.size()).isEqualTo(2);
        assertThat(map.latestOffset()).isEqualTo(7);
    }

    @Test
    void clearForgetsEverythingAndSizesTheMapToWhatAPassNeeds() {
        var map = new OffsetMap(1000 * OffsetMap.BYTES_PER_ENTRY);
        map.clear(Long.MAX_VALUE);
        map.put(key("a"), 1);

        map.clear(10);

        assertThat(map.slots()).isEqualTo(10);
        assertThat(map.size()).isZero();
        assertThat(map.latestOffset()).isEqualTo(-1);
        assertThat(map.get(key("a"))).isEqualTo(-1);
    }

    @Test
    void everyKeyOfAFullMapIsFoundAndOneMoreIsRefused() {
        var map = new OffsetMap(1000 * OffsetMap.BYTES_PER_ENTRY);
        map.clear(50);
        for (int i = 0; i < 50; i++) {
            map.put(key("key-" + i), i);
        }

        for (int i = 0; i < 50; i++) {
            assertThat(map.get(key("key-" + i))).isEqualTo(i);
        }
        assertThat(map.get(key("absent"))).isEqualTo(-1);
        assertThatThrownBy(() -> map.put(key("one-more"), 50)).isInstanceOf(IllegalStateException.class);
    }
}
