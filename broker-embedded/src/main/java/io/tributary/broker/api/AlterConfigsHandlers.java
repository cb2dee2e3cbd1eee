package io.tributary.broker.api;

import io.tributary.broker.metadata.ConfigControl;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.ControllerResult;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;

/**
 * IncrementalAlterConfigs (SET, DELETE, APPEND, SUBTRACT) and the legacy AlterConfigs (replace all), for topics
 * and broker-level topic defaults. Each resource succeeds or fails on its own; the changes of all resources commit
 * as one metadata batch.
 */
final class AlterConfigsHandlers {
    private final Controller controller;
    private final ConfigControl configControl;

    AlterConfigsHandlers(Controller controller, ConfigControl configControl) {
        this.controller = controller;
        this.configControl = configControl;
    }

    ApiHandler<IncrementalAlterConfigsRequest> incremental() {
        return (context, request) -> {
            var resources = new ArrayList<>(request.data().resources());
            boolean validateOnly = request.data().validateOnly();
            return alterAll(resources.size(), (image, index) -> {
                var resource = resources.get(index);
                var changes = new ArrayList<ConfigControl.Change>();
                for (IncrementalAlterConfigsRequestData.AlterableConfig config : resource.configs()) {
                    AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(config.configOperation());
                    if (op == null) {
                        return ControllerResult.of(new ApiError(Errors.INVALID_REQUEST,
                                "Unknown config operation " + config.configOperation()));
                    }
                    changes.add(new ConfigControl.Change(config.name(), op, config.value()));
                }
                return configControl.incrementalAlter(image, resource(resource.resourceType(),
                        resource.resourceName()), changes, validateOnly);
            }).thenApply(errors -> {
                var data = new IncrementalAlterConfigsResponseData();
                for (int i = 0; i < resources.size(); i++) {
                    ApiError error = errors.get(i);
                    data.responses().add(new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                            .setResourceType(resources.get(i).resourceType())
                            .setResourceName(resources.get(i).resourceName())
                            .setErrorCode(error.error().code())
                            .setErrorMessage(error.isFailure() ? error.message() : null));
                }
                return new IncrementalAlterConfigsResponse(data);
            });
        };
    }

    ApiHandler<AlterConfigsRequest> legacy() {
        return (context, request) -> {
            var resources = new ArrayList<>(request.data().resources());
            boolean validateOnly = request.data().validateOnly();
            return alterAll(resources.size(), (image, index) -> {
                AlterConfigsRequestData.AlterConfigsResource resource = resources.get(index);
                var configs = new HashMap<String, String>();
                for (AlterConfigsRequestData.AlterableConfig config : resource.configs()) {
                    configs.put(config.name(), config.value());
                }
                return configControl.alter(image, resource(resource.resourceType(), resource.resourceName()),
                        configs, validateOnly);
            }).thenApply(errors -> {
                var data = new AlterConfigsResponseData();
                for (int i = 0; i < resources.size(); i++) {
                    ApiError error = errors.get(i);
                    data.responses().add(new AlterConfigsResponseData.AlterConfigsResourceResponse()
                            .setResourceType(resources.get(i).resourceType())
                            .setResourceName(resources.get(i).resourceName())
                            .setErrorCode(error.error().code())
                            .setErrorMessage(error.isFailure() ? error.message() : null));
                }
                return new AlterConfigsResponse(data);
            });
        };
    }

    private static ConfigResource resource(byte type, String name) {
        return new ConfigResource(ConfigResource.Type.forId(type), name);
    }

    /** Runs one alteration per resource against a shared, progressively updated image; commits them together. */
    private CompletableFuture<List<ApiError>> alterAll(
            int count, BiFunction<MetadataImage, Integer, ControllerResult<ApiError>> alteration) {
        return controller.write(image -> {
            var records = new ArrayList<MetadataRecord>();
            var errors = new ArrayList<ApiError>();
            MetadataImage working = image;
            for (int i = 0; i < count; i++) {
                ControllerResult<ApiError> result = alteration.apply(working, i);
                errors.add(result.response());
                if (!result.records().isEmpty()) {
                    records.addAll(result.records());
                    working = working.apply(result.records());
                }
            }
            return new ControllerResult<>(records, errors);
        });
    }

}
