package io.nuri.alerts;

import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.StoredApp;
import io.nuri.apm.ApmHub;
import io.nuri.apm.ApmSummary;
import io.nuri.store.Store;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Reads the platform into an {@link Observation}: desired and actual state from the store, the
 * service figures from the APM hub (the last 10 s), requests in flight from the gateway.
 *
 * <p>The one thing that is not a level in the store is a crash: the controller restarts a killed
 * instance at once, so a 1 s look may never see it Failed. The observer therefore compares each
 * instance's restart counter with the last look, and once it has seen an instance go down it keeps
 * it down until it is Ready again ("WAS terminated" fires, and resolves when it is back).
 * Not thread-safe: one evaluation loop calls it.
 */
public final class Observer {
    private record RestartSample(long timeMillis, int count) {}

    private final Store store;
    private final ApmHub apm;
    private final ToLongFunction<String> inflight;
    private final Map<String, Integer> lastRestarts = new HashMap<>();
    private final Set<String> down = new HashSet<>();
    private final Map<String, Deque<RestartSample>> restartsByApp = new HashMap<>();

    /** @param inflight requests in flight per instance id (0 without a gateway) */
    public Observer(Store store, ApmHub apm, ToLongFunction<String> inflight) {
        this.store = store;
        this.apm = apm;
        this.inflight = inflight;
    }

    /** An instance known to be down from before (a firing alert loaded after a platform restart). */
    public void rememberDown(String instanceId) {
        down.add(instanceId);
    }

    public Observation observe(Instant now) {
        List<Instance> instances = store.instances();
        Map<String, List<Instance>> byApp = new HashMap<>();
        for (Instance i : instances) {
            byApp.computeIfAbsent(i.appKey(), k -> new ArrayList<>()).add(i);
        }
        Set<String> seen = new HashSet<>();
        List<Observation.App> apps = new ArrayList<>();
        for (StoredApp a : store.apps()) {
            if (a.deleting()) {
                continue;
            }
            String key = a.namespace() + "/" + a.name();
            List<Instance> own = byApp.getOrDefault(key, List.of());
            List<Observation.Instance> observed = new ArrayList<>();
            int ready = 0;
            int newRestarts = 0;
            long inFlight = 0;
            for (Instance i : own) {
                seen.add(i.id());
                Integer before = lastRestarts.put(i.id(), i.restarts());
                int crashes = before == null ? 0 : Math.max(0, i.restarts() - before);
                newRestarts += crashes;
                InstanceState s = i.state();
                if (s == InstanceState.Ready) {
                    ready++;
                    down.remove(i.id());
                } else if (crashes > 0 || s == InstanceState.Failed || s == InstanceState.Unready) {
                    down.add(i.id());
                }
                if (s == InstanceState.Terminating || s == InstanceState.Succeeded) {
                    down.remove(i.id()); // stopped on purpose, or a job that finished
                }
                observed.add(new Observation.Instance(i.id(), down.contains(i.id())));
                inFlight += inflight.applyAsLong(i.id());
            }
            Map<Metric, Double> values = new EnumMap<>(Metric.class);
            ApmSummary c = apm.current(a.namespace(), a.name());
            values.put(Metric.APDEX, c.apdex());
            values.put(Metric.ERROR_RATE, c.errorRate());
            values.put(Metric.P95_MS, c.p95Ms());
            values.put(Metric.P99_MS, c.p99Ms());
            values.put(Metric.TPS, c.tps());
            values.put(Metric.ACTIVE_USERS, (double) c.activeUsers());
            values.put(Metric.IN_FLIGHT, (double) inFlight);
            if (a.app().spec().replicas() > 0) {
                // An app scaled to 0 is meant to have no instance: no value, so no rule on it holds.
                values.put(Metric.READY_INSTANCES, (double) ready);
            }
            values.put(Metric.RESTARTS, (double) restartsInWindow(key, now.toEpochMilli(), newRestarts));
            apps.add(new Observation.App(a.namespace(), a.name(), values, observed));
        }
        lastRestarts.keySet().retainAll(seen);
        down.retainAll(seen);
        Set<String> appKeys = new HashSet<>();
        apps.forEach(a -> appKeys.add(a.namespace() + "/" + a.name()));
        restartsByApp.keySet().retainAll(appKeys);
        return new Observation(apps);
    }

    private int restartsInWindow(String appKey, long now, int newRestarts) {
        Deque<RestartSample> samples = restartsByApp.computeIfAbsent(appKey, k -> new ArrayDeque<>());
        if (newRestarts > 0) {
            samples.addLast(new RestartSample(now, newRestarts));
        }
        long from = now - Observation.RESTART_WINDOW_SECONDS * 1000L;
        while (!samples.isEmpty() && samples.peekFirst().timeMillis() <= from) {
            samples.removeFirst();
        }
        int sum = 0;
        for (RestartSample s : samples) {
            sum += s.count();
        }
        return sum;
    }
}
