package io.nuri.api.codec;

/**
 * One problem in a spec: {@code portal.yaml: spec.probes.readiness.periodSeconds: must be > 0, got -1}.
 *
 * @param file the file name as the user gave it (or "request body")
 * @param path field path with dots and [index], e.g. {@code spec.volumes[1].name}; "" for the
 *     document itself; documents after the first are prefixed with {@code [doc N]}
 */
public record SpecError(String file, String path, String message) {
    @Override
    public String toString() {
        return path.isEmpty() ? file + ": " + message : file + ": " + path + ": " + message;
    }
}
