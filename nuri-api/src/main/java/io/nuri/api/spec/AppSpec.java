package io.nuri.api.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What the operator wants for an app. The decoder fills every default, so a stored spec is
 * explicit. Later sections ({@code routes}, {@code rollout}, {@code autoscale}) are added as one
 * more component each, with one decoder method each in {@code SpecDecoder}. With {@code autoscale}
 * set, {@code replicas} is the autoscaler's current count (it writes it like {@code nuri scale}).
 *
 * @param port the port the app listens on inside its own network namespace (Kubernetes
 *     containerPort); the process driver gives each instance a free port in {@code $PORT} instead
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AppSpec(
        RunSpec run,
        Map<String, String> env,
        int port,
        int replicas,
        Probes probes,
        RestartPolicy restartPolicy,
        Resources resources,
        List<VolumeSpec> volumes,
        List<Route> routes,
        Traffic traffic,
        Rollout rollout,
        Autoscale autoscale,
        ApmSpec apm) {

    public static final int DEFAULT_PORT = 8080;

    public AppSpec {
        env = env == null ? Map.of() : Map.copyOf(env);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
        routes = routes == null ? List.of() : List.copyOf(routes);
        traffic = traffic == null ? Traffic.DEFAULTS : traffic;
        rollout = rollout == null ? Rollout.DEFAULTS : rollout;
        apm = apm == null ? ApmSpec.DEFAULTS : apm;
    }

    /** The core sections only; routes, traffic and rollout take their defaults, no autoscaling. */
    public AppSpec(RunSpec run, Map<String, String> env, int port, int replicas, Probes probes,
            RestartPolicy restartPolicy, Resources resources, List<VolumeSpec> volumes) {
        this(run, env, port, replicas, probes, restartPolicy, resources, volumes, null, null, null, null, null);
    }

    public AppSpec withReplicas(int n) {
        return new AppSpec(run, env, port, n, probes, restartPolicy, resources, volumes, routes, traffic, rollout, autoscale, apm);
    }

    public AppSpec withRollout(Rollout r) {
        return new AppSpec(run, env, port, replicas, probes, restartPolicy, resources, volumes, routes, traffic, r, autoscale, apm);
    }

    /** The same spec with the run template of {@code t} (rollout undo). */
    public AppSpec withTemplate(RevisionTemplate t) {
        return new AppSpec(t.run(), t.env(), t.port(), replicas, t.probes(), t.restartPolicy(), t.resources(),
                t.volumes(), routes, traffic, rollout, autoscale, apm);
    }

    /**
     * The part of the spec that defines what runs. Two specs with equal templates run the same
     * revision; any other change (replicas, later routes/autoscale) never restarts an instance.
     */
    public RevisionTemplate template() {
        return new RevisionTemplate(run, env, port, probes, restartPolicy, resources, volumes);
    }
}
