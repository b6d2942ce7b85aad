package io.nuri.api.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One application as an operator writes it: Kubernetes-style envelope around an {@link AppSpec}.
 *
 * <pre>
 * apiVersion: nuri.io/v1
 * kind: App
 * metadata: {name: portal, namespace: default}
 * spec: {run: {jar: target/portal.jar}, replicas: 2}
 * </pre>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec"})
public record App(String apiVersion, String kind, ObjectMeta metadata, AppSpec spec) {
    public static final String API_VERSION = "nuri.io/v1";
    public static final String KIND = "App";

    public String name() {
        return metadata.name();
    }

    public String namespace() {
        return metadata.namespace();
    }

    /** "namespace/name", the key controllers and the store use. */
    public String key() {
        return metadata.namespace() + "/" + metadata.name();
    }

    public App withSpec(AppSpec newSpec) {
        return new App(apiVersion, kind, metadata, newSpec);
    }
}
