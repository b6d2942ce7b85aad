package io.nuri.control;

import io.nuri.api.model.Endpoint;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.RoutingTable;
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
                next = build(table.version() + 1, store.apps(), store.instances());
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

    /** Pure: apps not being deleted, each with its Ready instances in id order. */
    static RoutingTable build(long version, List<StoredApp> apps, List<Instance> instances) {
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
            endpoints.sort(Comparator.comparing(Endpoint::instanceId));
            routing.add(new RoutingTable.AppRouting(a.namespace(), a.name(), a.app().spec().routes(),
                    a.app().spec().traffic(), endpoints));
        }
        routing.sort(Comparator.comparing(RoutingTable.AppRouting::key));
        return new RoutingTable(version, routing);
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
