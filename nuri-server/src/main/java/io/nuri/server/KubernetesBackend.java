package io.nuri.server;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.StoredApp;
import io.nuri.kubernetes.AppClusterStatus;
import io.nuri.kubernetes.AppManifests;
import io.nuri.kubernetes.KubernetesSync;
import io.nuri.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code nuri server --driver kubernetes}: apps are stored and versioned as always (apply, scale,
 * revisions, rollout undo all go through the same API and store), but instead of processes on
 * this machine each app is kept on a cluster by {@link KubernetesSync}, the operator's code. Pods
 * come back into the store as instances, sync actions as events, so {@code nuri get instances},
 * {@code describe} and the console show the cluster. Level-triggered: every store change and a
 * 2-second tick reconcile every app; one thread, so reconciles never overlap.
 */
final class KubernetesBackend implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KubernetesBackend.class);

    private final Store store;
    private final KubernetesClient client;
    private final KubernetesSync sync;
    private final Clock clock;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("nuri-k8s-sync").daemon().factory());
    private final AtomicBoolean kicked = new AtomicBoolean();
    private final Map<String, Long> notMappedReported = new HashMap<>();
    /** Cluster events already copied, by key; bounded: cleared when it grows past 10,000. */
    private final Set<String> copiedEvents = new HashSet<>();
    private volatile boolean running;
    private AutoCloseable watch;

    KubernetesBackend(Store store, KubernetesClient client, KubernetesSync sync, Clock clock) {
        this.store = store;
        this.client = client;
        this.sync = sync;
        this.clock = clock;
    }

    void start() {
        watch = store.watch(change -> kick());
        loop.scheduleWithFixedDelay(this::reconcileAll, 0, 2, TimeUnit.SECONDS);
        running = true;
    }

    boolean isRunning() {
        return running;
    }

    private void kick() {
        if (kicked.compareAndSet(false, true)) {
            loop.execute(() -> {
                kicked.set(false);
                reconcileAll();
            });
        }
    }

    void reconcileAll() {
        for (StoredApp app : store.apps()) {
            try {
                reconcile(app);
            } catch (KubernetesClientException e) {
                log.warn("sync of app {} with the cluster failed (retried in 2 s): {} {}", app.key(), e.getCode(), e.getMessage());
            } catch (RuntimeException e) {
                log.error("sync of app {} failed", app.key(), e);
            }
        }
    }

    private void reconcile(StoredApp stored) {
        String ns = stored.namespace();
        String name = stored.name();
        if (stored.deleting()) {
            List<String> deleted = sync.delete(ns, name);
            store.write(tx -> {
                tx.instances(ns, name).forEach(i -> tx.deleteInstance(i.id()));
                tx.appendEvent(Event.normal(ns, name, null, "Deleted", "removed from the cluster: " + deleted
                        + " (volume claims kept)"));
                tx.deleteApp(ns, name);
                return null;
            });
            return;
        }
        KubernetesSync.Result r = sync.sync(stored.app(), null);
        Long reported = notMappedReported.get(stored.key());
        boolean changed = !r.created().isEmpty() || !r.updated().isEmpty() || !r.deleted().isEmpty();
        boolean reportNotMapped = !r.notMapped().isEmpty() && (reported == null || reported != stored.generation());
        if (reportNotMapped) {
            notMappedReported.put(stored.key(), stored.generation());
        }
        AppClusterStatus status = sync.status(ns, name);
        List<KubernetesSync.ClusterEvent> clusterEvents = sync.events(ns, name);
        if (copiedEvents.size() > 10_000) {
            copiedEvents.clear(); // at worst a few old events are copied again
        }
        store.write(tx -> {
            for (KubernetesSync.ClusterEvent e : clusterEvents) {
                if (copiedEvents.add(e.key())) {
                    String message = "[cluster] " + e.object() + ": " + e.message();
                    tx.appendEvent(e.warning() ? Event.warning(ns, name, e.pod(), e.reason(), message)
                            : Event.normal(ns, name, e.pod(), e.reason(), message));
                }
            }
            if (changed) {
                tx.appendEvent(Event.normal(ns, name, null, "Synced", "cluster: created " + r.created() + ", updated "
                        + r.updated() + ", deleted " + r.deleted()));
            }
            if (reportNotMapped) {
                tx.appendEvent(Event.warning(ns, name, null, "NotMapped", String.join("; ", r.notMapped())));
            }
            Set<String> seen = new HashSet<>();
            String specHash = AppManifests.specHash(stored.app());
            for (AppClusterStatus.PodInstance pod : status.pods()) {
                seen.add(pod.name());
                Instance existing = tx.instance(pod.name()).orElse(null);
                Instance next = toInstance(stored, specHash, pod, existing);
                if (existing == null || !existing.equals(next)) {
                    tx.putInstance(next);
                }
            }
            for (Instance i : tx.instances(ns, name)) {
                if (!seen.contains(i.id())) {
                    tx.deleteInstance(i.id());
                }
            }
            return null;
        });
    }

    /**
     * A pod made from the current spec (its {@code nuri.io/spec-hash}) runs the app's revision; one
     * made from an older spec keeps the revision it was first seen at, so a rollout's old and new
     * pods differ by revision (log search's revision filter, {@code get instances}).
     */
    private Instance toInstance(StoredApp app, String specHash, AppClusterStatus.PodInstance pod, Instance existing) {
        Instant now = clock.instant();
        InstanceState state = InstanceState.valueOf(pod.state());
        Instance.Builder b = existing != null ? existing.toBuilder() : new Instance.Builder()
                .id(pod.name()).namespace(app.namespace()).app(app.name()).createdAt(now);
        boolean older = existing != null && pod.specHash() != null && !pod.specHash().equals(specHash);
        return b.revision(older ? existing.revision() : app.revision()).state(state).pid(0).port(0).restarts(pod.restarts())
                .reason(pod.reason() != null ? pod.reason() : "pod " + pod.phase() + (pod.node() == null ? "" : " on " + pod.node()))
                .build();
    }

    /** Restart = delete the pod: its Deployment starts a replacement (like {@code kubectl delete pod}). */
    boolean restartInstance(String namespace, String app, String instanceId) {
        Instance i = store.instance(instanceId).orElse(null);
        if (i == null || !i.namespace().equals(namespace) || !i.app().equals(app) || !i.state().isLive()) {
            return false;
        }
        String ns = sync.options().namespace() != null ? sync.options().namespace() : namespace;
        client.pods().inNamespace(ns).withName(instanceId).delete();
        store.write(tx -> tx.appendEvent(Event.normal(namespace, app, instanceId, "Restarting",
                "pod deleted on an operator's request; its Deployment starts a replacement")));
        return true;
    }

    /** Pod logs for {@code nuri logs}: tail, follow and search through the API server. */
    LogSource logSource() {
        return new PodLogs(store, client, ns -> sync.options().namespace() != null ? sync.options().namespace() : ns);
    }

    @Override
    public void close() {
        running = false;
        if (watch != null) {
            try {
                watch.close();
            } catch (Exception ignored) {
                // closing a watch cannot fail in a way we could act on
            }
        }
        loop.shutdown();
        try {
            loop.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loop.shutdownNow();
        client.close();
    }
}
