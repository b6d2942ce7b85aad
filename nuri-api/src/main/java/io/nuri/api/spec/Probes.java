package io.nuri.api.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Health checks of an instance, as in Kubernetes. A null probe is not run: without a startup
 * probe the readiness probe decides when the instance first becomes Ready; without a liveness
 * probe only an exit restarts the instance. The decoder gives {@code readiness} a default
 * (TCP connect to the instance port every second) when the spec has none.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Probes(Probe startup, Probe readiness, Probe liveness) {
    public static final Probes NONE = new Probes(null, null, null);
}
