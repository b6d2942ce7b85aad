package io.nuri.control;

import io.nuri.api.model.Instance;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import io.nuri.api.spec.Rollout;
import io.nuri.runtime.Driver;
import io.nuri.runtime.Prober;
import io.nuri.store.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every app's instances as its spec says: the right number, of the current revision,
 * restarted when they exit or fail liveness, stopped when the app is deleted.
 *
 * <p>Level-triggered, in the manner of the Kubernetes deployment controller: store watches,
 * driver exits and probe transitions only enqueue an app key; {@link #sync} re-reads the app
 * and its instances and takes the steps that bring them closer to the spec. A pass that finds
 * nothing to do writes nothing, so running it twice changes nothing. One thread runs every
 * pass, so instance records have one writer and no pass races another.
 *
 * <p>This class owns the loop, the queue and the dispatch; each path of a pass is a class of its
 * own, as {@code sync.go}, {@code rolling.go}, {@code rollback.go} and {@code progress.go} are
 * files of their own. Guard clauses pick the path of a pass, as {@code syncDeployment} does: app
 * gone or being deleted ({@link AppDeletion}), then rollout status (start, pause, complete, fail:
 * {@link RolloutProgress}, with {@link CanaryRollout} and {@link Rollback}), paused (keep what
 * runs), then one step of scaling and rolling ({@link RollingUpdate}, arithmetic in
 * {@link Rolling}), then revision history cleanup once a rollout has finished
 * ({@link HistoryCleanup}). Before those, every pass applies what the runtime observed and
 * restarts crashed instances ({@link Healing}) and moves drains on ({@link Draining}). Timed
 * checks (the progress deadline, minReadySeconds, a drain, a backoff) requeue the app exactly
 * when they fall due ({@link Requeue}). {@link Recovery} runs once before the first pass; every
 * process is started by {@link Launcher}.
 */
public final class AppController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AppController.class);

    private final Store store;
    private final ControllerSettings settings;
    private final Clock clock;
    private final ScheduledExecutorService loop;
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<Observation> observations = new ConcurrentLinkedQueue<>();
    /** Instances an operator asked to restart: replaced (drained, then a new one) on the next pass. */
    private final Set<String> restartRequests = ConcurrentHashMap.newKeySet();
    /** The earliest timed re-check scheduled per app, so repeated passes do not pile up timers. */
    private final Map<String, Instant> wakeups = new ConcurrentHashMap<>();
    private final Draining draining;
    private final Healing healing;
    private final RolloutProgress progress;
    private final RollingUpdate rolling;
    private final HistoryCleanup cleanup;
    private final AppDeletion deletion;
    private final Recovery recovery;
    private volatile boolean running;
    private AutoCloseable watch;

    public AppController(Store store, Driver driver, Prober prober, Path dataDir, ControllerSettings settings,
            Clock clock) {
        this(store, driver, prober, dataDir, settings, clock, InflightSource.NONE);
    }

    /** @param inflight the gateway's in-flight counts, read while an instance drains */
    public AppController(Store store, Driver driver, Prober prober, Path dataDir, ControllerSettings settings,
            Clock clock, InflightSource inflight) {
        this(store, driver, prober, dataDir, settings, clock, inflight, CanaryMetrics.NONE);
    }

    /**
     * @param inflight the gateway's in-flight counts, read while an instance drains
     * @param canaryMetrics what the gateway saw of a canary revision, read to judge it
     */
    public AppController(Store store, Driver driver, Prober prober, Path dataDir, ControllerSettings settings,
            Clock clock, InflightSource inflight, CanaryMetrics canaryMetrics) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nuri-controller");
            t.setDaemon(true);
            return t;
        });
        Requeue requeue = new Requeue() {
            @Override
            public void at(String appKey, Instant when) {
                wakeAt(appKey, when);
            }

            @Override
            public void after(String appKey, Duration delay) {
                enqueueAfter(appKey, delay);
            }
        };
        CrashStreaks crashStreaks = new CrashStreaks();
        Launcher launcher = new Launcher(store, driver, prober, clock, settings, dataDir, crashStreaks, requeue,
                this::observe);
        this.draining = new Draining(store, driver, prober, clock, settings, inflight, requeue);
        this.healing = new Healing(store, driver, prober, clock, settings, crashStreaks, launcher, draining, requeue);
        Rollback rollback = new Rollback(store);
        this.progress = new RolloutProgress(store, clock, new CanaryRollout(canaryMetrics, rollback, requeue), rollback,
                requeue);
        this.rolling = new RollingUpdate(clock, launcher, draining);
        this.cleanup = new HistoryCleanup(store, new ArtifactStore(dataDir.resolve("artifacts")),
                settings.artifactGrace());
        this.deletion = new AppDeletion(store, draining, cleanup);
        this.recovery = new Recovery(store, driver, clock, launcher, draining, cleanup, this::observe);
    }

    /** Re-adopts or replaces what ran before, then starts the loop. Blocks until recovery is done. */
    public void start() {
        running = true;
        try {
            loop.submit(recovery::recover).get();
        } catch (Exception e) {
            throw new IllegalStateException("recovery failed", e);
        }
        watch = store.watch(change -> {
            if (change.kind() == Store.Change.Kind.APP) {
                enqueue(change.appKey());
            }
        });
        long resync = settings.resyncInterval().toMillis();
        loop.scheduleWithFixedDelay(this::enqueueAll, resync, resync, TimeUnit.MILLISECONDS);
        enqueueAll();
    }

    public boolean isRunning() {
        return running && !loop.isShutdown();
    }

    /** Stops the loop. Instances keep running: the caller stops the driver (or not, on upgrade). */
    @Override
    public void close() {
        running = false;
        if (watch != null) {
            try {
                watch.close();
            } catch (Exception ignored) {
                // closing a watch handle cannot fail in a way we could act on
            }
        }
        loop.shutdownNow();
        try {
            loop.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- queue

    /**
     * An operator's restart of one instance: the next pass of its app stops it (draining first if
     * it was Ready) and the scaling step starts a replacement, so the instance record keeps one
     * writer, this controller. Returns false when the app has no such live instance.
     */
    public boolean restartInstance(String namespace, String app, String instanceId) {
        Optional<Instance> inst = store.instance(instanceId)
                .filter(i -> i.namespace().equals(namespace) && i.app().equals(app) && i.state().isLive());
        if (inst.isEmpty()) {
            return false;
        }
        restartRequests.add(instanceId);
        enqueue(inst.get().appKey());
        return true;
    }

    void enqueue(String appKey) {
        if (running && queued.add(appKey)) {
            try {
                loop.execute(() -> {
                    queued.remove(appKey);
                    syncSafely(appKey);
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                queued.remove(appKey); // shutting down
            }
        }
    }

    private void enqueueAfter(String appKey, Duration delay) {
        if (running) {
            try {
                loop.schedule(() -> enqueue(appKey), Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException ignored) {
                // shutting down
            }
        }
    }

    /**
     * Syncs {@code appKey} again at {@code when} (a deadline, the end of minReadySeconds, the next
     * drain check), unless a re-check at or before it is already scheduled: that pass will ask
     * for this one again if it is still needed.
     */
    private void wakeAt(String appKey, Instant when) {
        Instant now = clock.instant();
        Instant pending = wakeups.get(appKey);
        if (pending != null && pending.isAfter(now) && !pending.isAfter(when)) {
            return;
        }
        wakeups.put(appKey, when);
        long millis = Math.max(1, Duration.between(now, when).toMillis());
        if (running) {
            try {
                loop.schedule(() -> {
                    wakeups.remove(appKey, when);
                    enqueue(appKey);
                }, millis, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException ignored) {
                // shutting down
            }
        }
    }

    private void enqueueAll() {
        Set<String> keys = new HashSet<>();
        store.apps().forEach(a -> keys.add(a.key()));
        store.instances().forEach(i -> keys.add(i.appKey()));
        keys.forEach(this::enqueue);
    }

    private void observe(Observation o) {
        observations.add(o);
        enqueue(o.appKey());
    }

    private void syncSafely(String appKey) {
        try {
            applyObservations();
            sync(appKey);
        } catch (RuntimeException e) {
            log.error("sync of app {} failed; retrying in 2 s", appKey, e);
            enqueueAfter(appKey, Duration.ofSeconds(2));
        }
    }

    // ---------------------------------------------------------------- observations

    private void applyObservations() {
        for (Observation o; (o = observations.poll()) != null; ) {
            Optional<Instance> found = store.instance(o.instanceId());
            if (found.isEmpty() || found.get().pid() != o.pid()) {
                continue; // about an instance or incarnation that is gone
            }
            switch (o) {
                case Observation.Exited e -> healing.onExit(found.get(), e.status());
                case Observation.ProbeChanged p -> healing.onProbe(found.get(), p);
            }
        }
    }

    // ---------------------------------------------------------------- sync

    /** One pass for one app. Guard clauses pick the path, as in syncDeployment. */
    void sync(String appKey) {
        int slash = appKey.indexOf('/');
        String namespace = appKey.substring(0, slash);
        String name = appKey.substring(slash + 1);
        StoredApp app = store.app(namespace, name).orElse(null);
        List<Instance> instances = store.instances(namespace, name);
        if (app == null) {
            deletion.appGone(instances);
            return;
        }
        draining.progressDrains(appKey, instances);
        for (Instance i : instances) {
            if (restartRequests.remove(i.id()) && i.state().isLive() && !app.deleting()) {
                draining.terminate(i, "restart requested by an operator");
            }
        }
        instances = store.instances(namespace, name);
        if (app.deleting()) {
            deletion.sync(app, store.instances(namespace, name));
            return;
        }
        Map<Integer, Revision> revisions = new HashMap<>();
        store.revisions(namespace, name).forEach(r -> revisions.put(r.number(), r));
        draining.forgetGone(instances);
        RolloutStatus before = RolloutService.read(store.rolloutStatus(namespace, name));
        boolean canaryBefore = before != null && before.revision() == app.revision() && before.canaryInEffect();
        healing.restartDue(app, store.instances(namespace, name), revisions, canaryBefore);
        instances = store.instances(namespace, name);
        RolloutStatus status = progress.sync(app, instances, revisions);
        if (status == null) {
            enqueue(appKey); // the app was pointed back at an older revision: next pass acts on it
            return;
        }
        if (app.app().spec().rollout().paused()) {
            return; // keep what runs; a new revision waits for resume
        }
        boolean canary = status.revision() == app.revision() && status.canaryInEffect();
        if (rolling.step(app, instances, revisions, canary)) {
            enqueue(appKey); // one step per pass: the next one sees its result
            return;
        }
        if (status.phase().finished() && status.totalReplicas() == status.updatedReplicas()) {
            cleanup.cleanup(app, status, instances, revisions);
        }
    }

    /** The canary's figures in words; {@link CanaryRollout#figures} (kept here for its tests). */
    static String canaryFigures(CanaryMetrics.Window w, Rollout.Canary bounds) {
        return CanaryRollout.figures(w, bounds);
    }
}
