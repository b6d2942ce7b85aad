package io.nuri.api.codec;

/**
 * One problem in a spec: {@code portal.yaml: spec.probes.readiness.periodSeconds: must be > 0, got -1}.
 *
 * @param file the file name as the user gave it (or "request body")
 * @param path field path with dots and [index], e.g. {@code spec.volumes[1].name}; keys that are
 *     not identifiers are quoted, e.g. {@code metadata.labels["app.kubernetes.io/name"]}; "" for the
 *     first document itself (syntax errors, a document that is not a map). Documents after the
 *     first are prefixed with {@code [doc N]} and a space ({@code [doc 2] spec.port}), or are just
 *     {@code [doc N]} for the document itself; N counts every document of the file, empty ones too.
 * @param message what is wrong, usually ending in {@code , got <value>}: strings JSON-quoted,
 *     numbers and booleans as written, "a list" / "a map" for containers
 */
public record SpecError(String file, String path, String message) {
    @Override
    public String toString() {
        return path.isEmpty() ? file + ": " + message : file + ": " + path + ": " + message;
    }
}
