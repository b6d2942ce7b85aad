package io.nuri.control;

import io.nuri.api.model.Endpoint;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.RoutingTable;
import io.nuri.api.spec.AppSpec;
import io.nuri.api.spec.Autoscale;
import io.nuri.api.spec.Traffic;
import io.nuri.api.model.StoredApp;
import io.nuri.store.Store;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one list of Ready endpoints per app, with each app's routes and traffic policy: what the
 * gateway, discovery and the GSLB read. It is derived, never stored: a pure function of the
 * committed apps and instance records, rebuilt after every committed change of either.
 *
 * <p>The rebuild runs on the writer's thread right after the commit, before {@code write}
 * returns. So when the controller marks an instance Terminating, every subscriber (the
 * in-process gateway) has already stopped choosing it by the time the controller goes on to
 * wait for its in-flight requests: draining needs that order.
 */
public final class EndpointRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EndpointRegistry.class);
    private static final String LOOPBACK = "127.0.0.1";
    private static final int DEFAULT_WEIGHT = 100;

    private final Store store;
    private final List<Consumer<RoutingTable>> subscribers = new CopyOnWriteArrayList<>();
    private final Object rebuildLock = new Object();
    private volatile RoutingTable table = RoutingTable.EMPTY;
    private AutoCloseable watch;

    public EndpointRegistry(Store store) {
        this.store = store;
    }

    public void start() {
        rebuild();
        watch = store.watch(change -> {
            if (change.kind() != Store.Change.Kind.EVENT) {
                rebuild();
            }
        });
    }

    public RoutingTable table() {
        return table;
    }

    public List<Endpoint> endpoints(String namespace, String app) {
        return table.apps().stream()
                .filter(a -> a.namespace().equals(namespace) && a.app().equals(app))
                .findFirst().map(RoutingTable.AppRouting::endpoints).orElse(List.of());
    }

    /** Calls {@code subscriber} now with the current table and after every change. */
    public AutoCloseable subscribe(Consumer<RoutingTable> subscriber) {
        subscribers.add(subscriber);
        subscriber.accept(table);
        return () -> subscribers.remove(subscriber);
    }

    private void rebuild() {
        synchronized (rebuildLock) {
            RoutingTable next;
            try {
                List<StoredApp> apps = store.apps();
                next = build(table.version() + 1, apps, store.instances(), canaryShares(apps));
            } catch (RuntimeException e) {
                log.error("cannot rebuild the endpoint registry; keeping the previous one", e);
                return;
            }
            if (next.apps().equals(table.apps())) {
                return; // nothing a reader would see changed: keep the version
            }
            table = next;
            for (Consumer<RoutingTable> s : subscribers) {
                try {
                    s.accept(next);
                } catch (RuntimeException e) {
                    log.warn("routing table subscriber failed", e);
                }
            }
        }
    }

    /** A canary's revision and its share of the app's weight. */
    record CanaryShare(int revision, int weightPercent) {}

    /**
     * Per app key: the canary revision and its weightPercent while a rollout holds at a canary of
     * the current revision, or after a failed canary was rolled back while its instance leaves.
     */
    private Map<String, CanaryShare> canaryShares(List<StoredApp> apps) {
        Map<String, CanaryShare> shares = new HashMap<>();
        for (StoredApp a : apps) {
            if (a.app().spec().rollout() == null || a.app().spec().rollout().canary() == null) {
                continue; // only a canary-enabled app can be in a canary: skip reading the others' status
            }
            RolloutStatus st = RolloutService.read(store.rolloutStatus(a.namespace(), a.name()));
            if (st != null && st.revision() == a.revision() && st.canaryInEffect()) {
                shares.put(a.key(), new CanaryShare(st.revision(), st.canary().weightPercent()));
            } else if (st != null && st.revision() == a.revision() && st.phase() == RolloutStatus.Phase.RolledBack
                    && st.canary() != null) {
                shares.put(a.key(), new CanaryShare(st.fromRevision(), st.canary().weightPercent()));
            }
        }
        return shares;
    }

    static RoutingTable build(long version, List<StoredApp> apps, List<Instance> instances) {
        return build(version, apps, instances, Map.of());
    }

    /**
     * Pure: apps not being deleted, each with its Ready instances in id order. An app in
     * {@code canaryShares} (a rollout holding at a canary) gives the canary revision's
     * endpoints {@code weightPercent} of the app's total weight: with {@code n} stable endpoints
     * of weight {@code K}, the canary weighs {@code weightPercent * n * K / (100 - weightPercent)}
     * (split evenly when more than one is Ready).
     */
    static RoutingTable build(long version, List<StoredApp> apps, List<Instance> instances,
            Map<String, CanaryShare> canaryShares) {
        Map<String, List<Endpoint>> byApp = new HashMap<>();
        for (Instance i : instances) {
            if (i.state() == InstanceState.Ready && i.port() > 0) {
                byApp.computeIfAbsent(i.appKey(), k -> new ArrayList<>()).add(new Endpoint(i.id(), i.namespace(),
                        i.app(), i.revision(), LOOPBACK, i.port(), i.readyAt(), DEFAULT_WEIGHT));
            }
        }
        List<RoutingTable.AppRouting> routing = new ArrayList<>();
        for (StoredApp a : apps) {
            if (a.deleting()) {
                continue;
            }
            List<Endpoint> endpoints = new ArrayList<>(byApp.getOrDefault(a.key(), List.of()));
            long cpu = a.app().spec().resources() == null ? 0 : a.app().spec().resources().cpuMillis();
            int weight = cpu > 0 ? (int) Math.max(1, Math.min(100_000, cpu / 10)) : DEFAULT_WEIGHT;
            endpoints.replaceAll(e -> new Endpoint(e.instanceId(), e.namespace(), e.app(), e.revision(), e.host(),
                    e.port(), e.readySince(), weight));
            CanaryShare canary = canaryShares.get(a.key());
            if (canary != null && canary.weightPercent() > 0 && canary.weightPercent() < 100) {
                int share = canary.weightPercent();
                long canaries = endpoints.stream().filter(e -> e.revision() == canary.revision()).count();
                long stable = endpoints.size() - canaries;
                if (canaries > 0 && stable > 0) {
                    double total = (double) share * stable * weight / (100 - share);
                    int canaryWeight = (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.round(total / canaries)));
                    endpoints.replaceAll(e -> e.revision() != canary.revision() ? e : new Endpoint(e.instanceId(),
                            e.namespace(), e.app(), e.revision(), e.host(), e.port(), e.readySince(), canaryWeight));
                }
            }
            endpoints.sort(Comparator.comparing(Endpoint::instanceId));
            routing.add(new RoutingTable.AppRouting(a.namespace(), a.name(), a.app().spec().routes(),
                    trafficOf(a.app().spec()), endpoints, holdOf(a.app().spec())));
        }
        routing.sort(Comparator.comparing(RoutingTable.AppRouting::key));
        return new RoutingTable(version, routing);
    }

    /** The gateway's traffic policy: an autoscaled app's warm-up ramps new instances' share as long. */
    private static Traffic trafficOf(AppSpec spec) {
        Traffic t = spec.traffic();
        Autoscale a = spec.autoscale();
        if (a == null || a.warmup(t) <= t.warmupSeconds()) {
            return t;
        }
        return new Traffic(t.loadBalancer(), a.warmup(t), t.affinity(), t.retries(), t.timeoutSeconds());
    }

    /** Apps that scale to zero have their requests held while the first instance starts. */
    private static RoutingTable.Hold holdOf(AppSpec spec) {
        Autoscale a = spec.autoscale();
        return a == null || !a.scalesToZero() ? null
                : new RoutingTable.Hold(a.maxHeldRequests(), a.holdTimeoutSeconds() * 1000L);
    }

    @Override
    public void close() {
        subscribers.clear();
        if (watch != null) {
            try {
                watch.close();
            } catch (Exception ignored) {
                // closing a watch cannot fail in a way we could act on
            }
        }
    }
}
