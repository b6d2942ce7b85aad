package io.nuri.api.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** The immutable "what runs" of a revision: everything in {@link AppSpec} but the replica count. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RevisionTemplate(
        RunSpec run,
        Map<String, String> env,
        int port,
        Probes probes,
        RestartPolicy restartPolicy,
        Resources resources,
        List<VolumeSpec> volumes) {

    public RevisionTemplate {
        env = env == null ? Map.of() : Map.copyOf(env);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
    }
}
