package io.nuri.api.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/** Name, namespace (tenant; {@code default} when absent) and labels of an object. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ObjectMeta(String name, String namespace, Map<String, String> labels) {
    public static final String DEFAULT_NAMESPACE = "default";

    public ObjectMeta {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
