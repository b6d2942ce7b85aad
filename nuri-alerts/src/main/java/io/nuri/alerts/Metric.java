package io.nuri.alerts;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What a rule watches. App-level metrics have one value per app; {@link #INSTANCE_DOWN} has one
 * per instance, so each instance gets its own alert ("WAS terminated").
 */
public enum Metric {
    APDEX("apdex"),
    ERROR_RATE("errorRate"),
    P95_MS("p95Ms"),
    P99_MS("p99Ms"),
    TPS("tps"),
    ACTIVE_USERS("activeUsers"),
    IN_FLIGHT("inFlight"),
    READY_INSTANCES("readyInstances"),
    /** Restarts of the app's instances in the last {@link Observation#RESTART_WINDOW_SECONDS}. */
    RESTARTS("restarts"),
    /** 1 while an instance is down (exited, restarting after a crash, or failing readiness), else 0. */
    INSTANCE_DOWN("instanceDown");

    private final String specName;

    Metric(String specName) {
        this.specName = specName;
    }

    public String specName() {
        return specName;
    }

    public boolean perInstance() {
        return this == INSTANCE_DOWN;
    }

    public static Optional<Metric> fromSpec(String name) {
        return Arrays.stream(values()).filter(m -> m.specName.equals(name)).findFirst();
    }

    public static List<String> specNames() {
        return Arrays.stream(values()).map(Metric::specName).toList();
    }
}
