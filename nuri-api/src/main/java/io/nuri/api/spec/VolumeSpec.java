package io.nuri.api.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A named persistent directory. It outlives instances and updates of the app; every instance
 * gets its path in the environment variable {@code env} (default {@code NURI_VOLUME_<NAME>},
 * name upper-cased with '-' as '_').
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VolumeSpec(String name, String env) {
    public String envVar() {
        return env != null ? env : "NURI_VOLUME_" + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }
}
