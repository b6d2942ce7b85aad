package io.nuri.alerts;

import java.util.List;
import java.util.Map;

/**
 * What the platform looked like at one moment, as the evaluator needs it: per app the value of
 * each app-level {@link Metric}, and per instance whether it is down. A metric that is missing
 * from {@code values} has no value now (e.g. {@code readyInstances} of an app scaled to 0): no
 * rule on it holds.
 */
public record Observation(List<App> apps) {
    /** The window of the {@link Metric#RESTARTS} figure. */
    public static final int RESTART_WINDOW_SECONDS = 300;

    public Observation {
        apps = List.copyOf(apps);
    }

    public record App(String namespace, String name, Map<Metric, Double> values, List<Instance> instances) {
        public App {
            values = Map.copyOf(values);
            instances = List.copyOf(instances);
        }
    }

    /** @param down exited, restarting after a crash, or failing readiness */
    public record Instance(String id, boolean down) {}
}
