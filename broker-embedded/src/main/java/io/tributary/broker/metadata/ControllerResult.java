package io.tributary.broker.metadata;

import java.util.List;

/** What a controller operation decided: the records to commit and the response to give once they are. */
public record ControllerResult<T>(List<MetadataRecord> records, T response) {
    public ControllerResult {
        records = List.copyOf(records);
    }

    public static <T> ControllerResult<T> of(T response) {
        return new ControllerResult<>(List.of(), response);
    }
}
