package io.nuri.control;

import io.nuri.api.codec.Json;
import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import io.nuri.api.spec.RestartPolicy;
import io.nuri.api.spec.Rollout;
import io.nuri.api.spec.RevisionTemplate;
import io.nuri.api.spec.VolumeSpec;
import io.nuri.runtime.Driver;
import io.nuri.runtime.DriverException;
import io.nuri.runtime.ExitStatus;
import io.nuri.runtime.InstanceHandle;
import io.nuri.runtime.LaunchSpec;
import io.nuri.runtime.Ports;
import io.nuri.runtime.Prober;
import io.nuri.store.ConflictException;
import io.nuri.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
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
 * <p>Guard clauses pick the path of a pass, as {@code syncDeployment} does: app gone, app being
 * deleted, then rollout status (start, pause, complete, fail and roll back: {@link #syncRollout}),
 * paused (keep what runs), then one step of scaling and rolling ({@link #rollStep}, arithmetic in
 * {@link Rolling}), then revision history cleanup once a rollout has finished. Timed checks
 * (the progress deadline, minReadySeconds, a drain) requeue the app exactly when they fall due.
 *
 * <p>Draining: an instance stopped on purpose that was ever Ready is first marked Terminating
 * (the endpoint registry drops it at that commit), then gets SIGTERM once the gateway reports
 * no request in flight ({@link InflightSource}) and at least {@code minDrain} has passed, or when
 * its grace period is over; SIGKILL follows after the rest of the grace. Crash and liveness
 * restarts are not drained: the process is gone or broken already.
 */
public final class AppController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AppController.class);
    private static final String LOOPBACK = "127.0.0.1";

    private final Store store;
    private final Driver driver;
    private final Prober prober;
    private final Path dataDir;
    private final ControllerSettings settings;
    private final Clock clock;
    private final InflightSource inflight;
    private final CanaryMetrics canaryMetrics;
    private final ArtifactStore artifacts;
    private final ScheduledExecutorService loop;
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<Observation> observations = new ConcurrentLinkedQueue<>();
    /** Consecutive quick crashes per instance; reset after a stable run. Lost on restart: fine. */
    private final Map<String, Integer> crashStreak = new HashMap<>();
    /** Instances being stopped to be restarted in place (failed liveness/startup), with why. */
    private final Map<String, String> restartReason = new HashMap<>();
    /** Instances out of the endpoint set waiting for their in-flight requests, and since when. */
    private final Map<String, Instant> draining = new HashMap<>();
    /** Instances an operator asked to restart: replaced (drained, then a new one) on the next pass. */
    private final Set<String> restartRequests = ConcurrentHashMap.newKeySet();
    /** The earliest timed re-check scheduled per app, so repeated passes do not pile up timers. */
    private final Map<String, Instant> wakeups = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
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
        this.inflight = inflight;
        this.canaryMetrics = canaryMetrics;
        this.artifacts = new ArtifactStore(dataDir.resolve("artifacts"));
        this.driver = driver;
        this.prober = prober;
        this.dataDir = dataDir;
        this.settings = settings;
        this.clock = clock;
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nuri-controller");
            t.setDaemon(true);
            return t;
        });
    }

    /** Re-adopts or replaces what ran before, then starts the loop. Blocks until recovery is done. */
    public void start() {
        running = true;
        try {
            loop.submit(this::recover).get();
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
                case Observation.Exited e -> onExit(found.get(), e.status());
                case Observation.ProbeChanged p -> onProbe(found.get(), p);
            }
        }
    }

    private void onExit(Instance inst, ExitStatus status) {
        prober.unwatch(inst.id());
        Instant now = clock.instant();
        if (inst.state() == InstanceState.Terminating) {
            draining.remove(inst.id());
            store.write(tx -> {
                tx.deleteInstance(inst.id());
                tx.appendEvent(Event.normal(inst.namespace(), inst.app(), inst.id(), "Stopped",
                        inst.id() + " stopped: " + status.reason()));
                return null;
            });
            log.info("app={} instance={} revision={} stopped: {}", inst.appKey(), inst.id(), inst.revision(),
                    status.reason());
            crashStreak.remove(inst.id());
            return;
        }
        String why = Optional.ofNullable(restartReason.remove(inst.id())).orElse(status.reason());
        RestartPolicy policy = restartPolicy(inst);
        boolean restart = policy == RestartPolicy.Always || policy == RestartPolicy.OnFailure && !status.succeeded();
        if (!restart) {
            InstanceState end = status.succeeded() ? InstanceState.Succeeded : InstanceState.Failed;
            store.write(tx -> {
                tx.putInstance(inst.toBuilder().state(end).lastExitCode(status.code()).reason(why)
                        .nextRestartAt(null).build());
                tx.appendEvent(event(end == InstanceState.Failed, inst, "Exited",
                        inst.id() + " exited: " + why + "; not restarted (restartPolicy " + policy + ")"));
                return null;
            });
            return;
        }
        boolean ranStable = inst.startedAt() != null
                && Duration.between(inst.startedAt(), status.at()).compareTo(settings.stableAfter()) >= 0;
        int streak = ranStable ? 1 : crashStreak.getOrDefault(inst.id(), 0) + 1;
        crashStreak.put(inst.id(), streak);
        Duration delay = settings.backoff(streak);
        store.write(tx -> {
            tx.putInstance(inst.toBuilder().state(InstanceState.Failed).lastExitCode(status.code()).reason(why)
                    .nextRestartAt(now.plus(delay)).build());
            tx.appendEvent(Event.warning(inst.namespace(), inst.app(), inst.id(), "Exited",
                    inst.id() + " exited: " + why + "; restarting " + (delay.isZero() ? "now" : "in " + seconds(delay))));
            return null;
        });
        log.warn("app={} instance={} revision={} exited: {}; restart in {}", inst.appKey(), inst.id(),
                inst.revision(), why, seconds(delay));
    }

    private void onProbe(Instance inst, Observation.ProbeChanged p) {
        if (!inst.state().isLive()) {
            return;
        }
        boolean kill = !p.passing() && (p.kind() == Prober.Kind.LIVENESS || p.kind() == Prober.Kind.STARTUP);
        if (kill) {
            String why = p.kind().name().toLowerCase(java.util.Locale.ROOT) + " probe failed: " + p.detail();
            restartReason.put(inst.id(), why);
            prober.unwatch(inst.id());
            store.write(tx -> {
                tx.putInstance(inst.withState(InstanceState.Unready, why));
                tx.appendEvent(Event.warning(inst.namespace(), inst.app(), inst.id(), "Unhealthy",
                        inst.id() + " " + why + "; restarting it"));
                return null;
            });
            log.warn("app={} instance={} revision={} {}; killing it", inst.appKey(), inst.id(), inst.revision(), why);
            driver.stop(inst.id(), settings.stopGrace());
            return;
        }
        if (p.kind() != Prober.Kind.READINESS) {
            return;
        }
        if (p.passing() && inst.state() != InstanceState.Ready) {
            Instant now = clock.instant();
            String after = inst.startedAt() == null ? "" : " after " + seconds(Duration.between(inst.startedAt(), now));
            store.write(tx -> {
                tx.putInstance(inst.toBuilder().state(InstanceState.Ready).readyAt(now).reason(null).build());
                tx.appendEvent(Event.normal(inst.namespace(), inst.app(), inst.id(), "Ready",
                        inst.id() + " is ready (revision " + inst.revision() + ", port " + inst.port() + ")" + after));
                return null;
            });
        } else if (!p.passing() && inst.state() == InstanceState.Ready) {
            store.write(tx -> {
                tx.putInstance(inst.withState(InstanceState.Unready, "readiness probe failed: " + p.detail()));
                tx.appendEvent(Event.warning(inst.namespace(), inst.app(), inst.id(), "Unready",
                        inst.id() + " is not ready: " + p.detail()));
                return null;
            });
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
            instances.forEach(i -> stopOrForget(i, "its app is gone"));
            return;
        }
        progressDrains(appKey, instances);
        for (Instance i : instances) {
            if (restartRequests.remove(i.id()) && i.state().isLive() && !app.deleting()) {
                terminate(i, "restart requested by an operator");
            }
        }
        instances = store.instances(namespace, name);
        if (app.deleting()) {
            syncDeletion(app, store.instances(namespace, name));
            return;
        }
        Map<Integer, Revision> revisions = new HashMap<>();
        store.revisions(namespace, name).forEach(r -> revisions.put(r.number(), r));
        instances.stream()
                .filter(i -> i.state() == InstanceState.Terminating && !driver.running().contains(i.id()))
                .forEach(this::forgetStopped);
        RolloutStatus before = RolloutService.read(store.rolloutStatus(namespace, name));
        boolean canaryBefore = before != null && before.revision() == app.revision() && before.canaryInEffect();
        restartDue(app, store.instances(namespace, name), revisions, canaryBefore);
        instances = store.instances(namespace, name);
        RolloutStatus status = syncRollout(app, instances, revisions);
        if (status == null) {
            enqueue(appKey); // the app was pointed back at an older revision: next pass acts on it
            return;
        }
        if (app.app().spec().rollout().paused()) {
            return; // keep what runs; a new revision waits for resume
        }
        boolean canary = status.revision() == app.revision() && status.canaryInEffect();
        if (rollStep(app, instances, revisions, canary)) {
            enqueue(appKey); // one step per pass: the next one sees its result
            return;
        }
        if (status.phase().finished() && status.totalReplicas() == status.updatedReplicas()) {
            cleanup(app, status, instances, revisions);
        }
    }

    private void syncDeletion(StoredApp app, List<Instance> instances) {
        instances.forEach(i -> stopOrForget(i, "app deleted"));
        if (store.instances(app.namespace(), app.name()).isEmpty()) {
            store.write(tx -> {
                tx.deleteApp(app.namespace(), app.name());
                tx.appendEvent(Event.normal(app.namespace(), app.name(), null, "Deleted",
                        "app " + app.key() + " deleted; every instance stopped"));
                return null;
            });
            log.info("app={} deleted", app.key());
            collectArtifacts();
        }
    }

    /** Instances waiting out their backoff: restart the ones that are due, requeue for the rest. */
    private void restartDue(StoredApp app, List<Instance> instances, Map<Integer, Revision> revisions,
            boolean canary) {
        Instant now = clock.instant();
        for (Instance inst : instances) {
            if (inst.state() != InstanceState.Failed || inst.nextRestartAt() == null) {
                continue;
            }
            if (inst.nextRestartAt().isAfter(now)) {
                wakeAt(app.key(), inst.nextRestartAt());
                continue;
            }
            Revision rev = revisions.get(inst.revision());
            if (rev == null || !canary && inst.revision() != app.revision() && countLive(instances, app.revision()) > 0) {
                // An old revision's slot during a rollout: replace rather than restart it (but
                // during a canary the old instances are the app: they restart in place).
                store.write(tx -> {
                    tx.deleteInstance(inst.id());
                    return null;
                });
                continue;
            }
            int restarts = inst.restarts() + 1;
            int streak = crashStreak.getOrDefault(inst.id(), 1);
            String message = inst.id() + " restarted: " + inst.reason() + " (" + Ordinals.of(restarts)
                    + " restart, next backoff " + seconds(settings.backoff(streak + 1)) + ")";
            launch(app, rev, inst.toBuilder().restarts(restarts).build(), "Restarted", message);
        }
    }

    // ---------------------------------------------------------------- rollout status (progress.go)

    /**
     * Brings the persisted rollout status up to what is observed: starts a rollout when the
     * app's revision changed, pauses and resumes it, marks it Complete, and at its progress
     * deadline marks it Failed and (with autoRollback) points the app back at the last complete
     * revision. Writes only when something changed; events only with a successful write.
     * Returns the status, or null when it rolled the app back (the pass ends there).
     */
    private RolloutStatus syncRollout(StoredApp app, List<Instance> instances, Map<Integer, Revision> revisions) {
        Instant now = clock.instant();
        Rollout spec = app.app().spec().rollout();
        RolloutStatus stored = RolloutService.read(store.rolloutStatus(app.namespace(), app.name()));
        RolloutStatus.Counts counts = RolloutStatus.count(app, instances, now);
        if (counts.nextAvailableAt() != null) {
            wakeAt(app.key(), counts.nextAvailableAt()); // minReadySeconds ends: re-check then
        }
        List<Event> events = new ArrayList<>();
        RolloutStatus st = stored;
        if (st == null || st.revision() != app.revision()) {
            String cause = rolloutCause(app, st, revisions);
            st = RolloutStatus.start(st, app.revision(), cause, now);
            Rollout.Canary canary = spec.canary();
            if (canary != null && counts.replicas() >= 1 && counts.oldCount() > 0
                    && !cause.startsWith("rollback to revision")) {
                st = st.withCanary(new RolloutStatus.CanaryStatus(canary.weightPercent(), canary.durationSeconds(),
                        null, null, null), st.message() + "; starting 1 canary instance first");
            }
            events.add(Event.normal(app.namespace(), app.name(), null, "RolloutStarted", st.message()));
        }
        boolean progressed = counts.updated() > st.updatedReplicas() || counts.available() > st.availableReplicas();
        st = st.withCounts(counts);
        if (spec.paused() && st.phase() == RolloutStatus.Phase.Progressing) {
            st = st.withPhase(RolloutStatus.Phase.Paused, "paused at " + counts.updated() + " of " + counts.replicas()
                    + " updated", now);
        } else if (!spec.paused() && st.phase() == RolloutStatus.Phase.Paused) {
            st = st.withPhase(RolloutStatus.Phase.Progressing, "resumed rolling out revision " + st.revision(), now);
        } else if (st.phase() == RolloutStatus.Phase.Progressing && progressed) {
            st = st.withProgressAt(now);
        }
        if (st.phase() == RolloutStatus.Phase.Failed && counts.complete()) {
            // Failed without a rollback (a first rollout, or autoRollback off) and yet it made it.
            st = st.withPhase(RolloutStatus.Phase.Progressing, "revision " + st.revision() + " became available", now);
        }
        if (st.phase() == RolloutStatus.Phase.Progressing && st.canary() != null && st.canary().startedAt() == null
                && counts.ready() > 0 && !spec.paused()) {
            RolloutStatus.CanaryStatus c = st.canary();
            String message = "canary: 1 instance of revision " + st.revision() + " gets " + c.weightPercent()
                    + "% of traffic for " + c.durationSeconds() + " s";
            st = st.withPhase(RolloutStatus.Phase.Canary, message, now).withCanary(c.started(now), message);
            events.add(Event.normal(app.namespace(), app.name(), null, "CanaryStarted", message));
            log.info("app={} revision={} {}", app.key(), st.revision(), message);
        }
        if (st.phase() == RolloutStatus.Phase.Canary) {
            RolloutStatus judged = judgeCanary(app, st, revisions, events, now);
            if (judged == null) {
                return null; // rolled back
            }
            st = judged;
        }
        if (st.phase() == RolloutStatus.Phase.Progressing) {
            if (counts.complete()) {
                String took = seconds(Duration.between(st.startedAt(), now).truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
                st = st.withPhase(RolloutStatus.Phase.Complete, "revision " + st.revision() + " rolled out: "
                        + counts.available() + "/" + counts.replicas() + " available after " + took, now);
                events.add(Event.normal(app.namespace(), app.name(), null, "RolloutComplete", st.message()));
                log.info("app={} revision={} {}", app.key(), st.revision(), st.message());
            } else {
                Instant deadline = st.progressAt().plusSeconds(spec.progressDeadlineSeconds());
                if (now.isBefore(deadline)) {
                    wakeAt(app.key(), deadline); // progress.go requeueStuckDeployment: exactly at the deadline
                } else {
                    String why = failure(st, counts, spec, now);
                    int target = st.lastCompleteRevision();
                    if (spec.autoRollback() && target > 0 && target != app.revision() && revisions.containsKey(target)) {
                        if (rollBack(app, st, revisions.get(target), why, now)) {
                            return null;
                        }
                        return st; // the app changed meanwhile: the next pass sees the new state
                    }
                    String message = spec.autoRollback() ? why + "; no complete revision to roll back to" : why;
                    st = st.withPhase(RolloutStatus.Phase.Failed, message, now);
                    events.add(Event.warning(app.namespace(), app.name(), null, "RolloutFailed", message));
                    log.warn("app={} revision={} rollout failed: {}", app.key(), st.revision(), message);
                }
            }
        }
        if (!st.equals(stored)) {
            RolloutStatus write = st;
            store.write(tx -> {
                tx.putRolloutStatus(app.namespace(), app.name(), Json.write(write));
                events.forEach(tx::appendEvent);
                return null;
            });
        }
        return st;
    }

    /** Fewest canary requests seen before a canary fails early, ahead of its window's end. */
    static final int CANARY_EARLY_MIN_REQUESTS = 20;

    /**
     * The canary window: at its end (a re-check is scheduled for exactly then) the canary passes
     * when its error rate and p95 are within bounds, and the rollout goes on; it fails earlier as
     * soon as at least {@value #CANARY_EARLY_MIN_REQUESTS} requests were seen and the error rate
     * is already over. A failed canary is rolled back like a failed progress deadline (or, without
     * autoRollback or a revision to go back to, the rollout is Failed and holds at the canary).
     * Returns the new status, or null when it rolled the app back.
     */
    private RolloutStatus judgeCanary(StoredApp app, RolloutStatus st, Map<Integer, Revision> revisions,
            List<Event> events, Instant now) {
        Rollout spec = app.app().spec().rollout();
        RolloutStatus.CanaryStatus c = st.canary();
        Rollout.Canary bounds = spec.canary() != null ? spec.canary()
                : new Rollout.Canary(c.weightPercent(), c.durationSeconds(), 1, 0);
        Instant ends = c.endsAt();
        CanaryMetrics.Window w;
        try {
            w = canaryMetrics.stats(app.namespace(), app.name(), st.revision(), c.startedAt());
        } catch (RuntimeException e) {
            log.warn("app={} canary metrics unavailable ({}); judging on an empty window", app.key(), e.toString());
            w = CanaryMetrics.Window.EMPTY;
        }
        boolean errorsOver = w.errorRatePercent() > bounds.maxErrorRatePercent();
        boolean slow = bounds.maxP95Millis() > 0 && w.requests() > 0 && w.p95Millis() > bounds.maxP95Millis();
        boolean over = !now.isBefore(ends);
        if (!over && !(errorsOver && w.requests() >= CANARY_EARLY_MIN_REQUESTS)) {
            wakeAt(app.key(), ends);
            return st;
        }
        String after = seconds(Duration.between(c.startedAt(), now).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        String figures = canaryFigures(w, bounds);
        if (over && !errorsOver && !slow) {
            String message = "canary of revision " + st.revision() + " passed after " + after + ": " + figures;
            st = st.withPhase(RolloutStatus.Phase.Progressing, message, now).withCanary(c.decided(true, figures), message)
                    .withProgressAt(now);
            events.add(Event.normal(app.namespace(), app.name(), null, "CanaryPassed", message));
            log.info("app={} revision={} {}", app.key(), st.revision(), message);
            return st;
        }
        String why = "canary of revision " + st.revision() + " failed after " + after + ": " + figures;
        Event failed = Event.warning(app.namespace(), app.name(), null, "CanaryFailed", why);
        log.warn("app={} revision={} {}", app.key(), st.revision(), why);
        int target = st.lastCompleteRevision();
        if (spec.autoRollback() && target > 0 && target != app.revision() && revisions.containsKey(target)) {
            return rollBack(app, st, revisions.get(target), why, now, failed) ? null : st;
        }
        String message = spec.autoRollback() ? why + "; no complete revision to roll back to" : why;
        st = st.withPhase(RolloutStatus.Phase.Failed, message, now).withCanary(c.decided(false, figures), message);
        events.add(failed);
        events.add(Event.warning(app.namespace(), app.name(), null, "RolloutFailed", message));
        return st;
    }

    /** "240 requests, 0.4% errors (max 1%), p95 12 ms (max 200 ms)", or "no requests seen (...)". */
    static String canaryFigures(CanaryMetrics.Window w, Rollout.Canary bounds) {
        String maxErrors = "max " + number(bounds.maxErrorRatePercent()) + "%";
        String maxP95 = bounds.maxP95Millis() > 0 ? " (max " + number(bounds.maxP95Millis()) + " ms)" : "";
        if (w.requests() == 0) {
            return "no requests seen, nothing to judge (errors " + maxErrors + (maxP95.isEmpty() ? "" : ", p95" + maxP95)
                    + ")";
        }
        return w.requests() + (w.requests() == 1 ? " request, " : " requests, ")
                + String.format(java.util.Locale.ROOT, "%.1f", w.errorRatePercent()) + "% errors (" + maxErrors
                + "), p95 " + number(Math.round(w.p95Millis() * 10) / 10.0) + " ms" + maxP95;
    }

    private static String number(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    /**
     * "revision 3 not available after 120 s: 0/4 ready; last: exit code 1" when no instance of it
     * ever became available, else "revision 3 made no progress for 120 s: 2/4 available; ...".
     */
    private static String failure(RolloutStatus st, RolloutStatus.Counts c, Rollout spec, Instant now) {
        String last = c.lastFailure() == null ? "" : "; last: " + c.lastFailure();
        if (c.available() == 0) {
            long after = Math.round(Duration.between(st.startedAt(), now).toMillis() / 1000.0);
            return "revision " + st.revision() + " not available after " + after + " s: " + c.ready() + "/"
                    + c.replicas() + " ready" + last;
        }
        return "revision " + st.revision() + " made no progress for " + spec.progressDeadlineSeconds() + " s: "
                + c.available() + "/" + c.replicas() + " available" + last;
    }

    /**
     * Points the app back at {@code target} and records Failed + RolledBack, in one transaction
     * that first checks nobody changed the app since this pass read it.
     */
    private boolean rollBack(StoredApp app, RolloutStatus st, Revision target, String why, Instant now,
            Event... first) {
        RolloutStatus after = st.rolledBack(target.number(), why, now);
        try {
            return store.write(tx -> {
                StoredApp fresh = tx.app(app.namespace(), app.name()).orElse(null);
                if (fresh == null || fresh.version() != app.version()) {
                    return false;
                }
                RolloutService.pointAt(tx, fresh, target, now);
                for (Event e : first) {
                    tx.appendEvent(e);
                }
                tx.putRolloutStatus(app.namespace(), app.name(), Json.write(after));
                tx.appendEvent(Event.warning(app.namespace(), app.name(), null, "RolloutFailed", why));
                tx.appendEvent(Event.warning(app.namespace(), app.name(), null, "RolledBack", after.message()));
                log.warn("app={} revision={} {}", app.key(), st.revision(), after.message());
                return true;
            });
        } catch (ConflictException e) {
            return false;
        }
    }

    /** Why a rollout of the app's current revision starts: the revision's cause, or a rollback. */
    private String rolloutCause(StoredApp app, RolloutStatus previous, Map<Integer, Revision> revisions) {
        String cause = store.revisionCauses(app.namespace(), app.name()).get(app.revision());
        Revision rev = revisions.get(app.revision());
        boolean madeSince = previous == null || rev == null || rev.createdAt() == null
                || previous.startedAt() == null || rev.createdAt().isAfter(previous.startedAt());
        if (madeSince) {
            return cause != null ? cause : previous == null ? ChangeCause.CREATED : "new revision";
        }
        return "rollback to revision " + app.revision();
    }

    // ---------------------------------------------------------------- scaling and rolling (rolling.go)

    /**
     * One step toward the spec: start new instances within the surge; else stop surplus ones of
     * the current revision (a plain scale-down); else stop old ones as far as availability
     * allows (see {@link Rolling} for the arithmetic and a worked example). Returns whether it
     * changed anything.
     */
    private boolean rollStep(StoredApp app, List<Instance> instances, Map<Integer, Revision> revisions,
            boolean canary) {
        int desired = app.app().spec().replicas();
        Rollout spec = app.app().spec().rollout();
        Duration minReady = Duration.ofSeconds(spec.minReadySeconds());
        Instant now = clock.instant();
        List<Instance> current = new ArrayList<>();
        List<Instance> old = new ArrayList<>();
        for (Instance i : instances) {
            if (i.state() == InstanceState.Terminating || i.state() == InstanceState.Succeeded) {
                continue;
            }
            (i.revision() == app.revision() ? current : old).add(i);
        }
        Revision rev = revisions.get(app.revision());
        if (rev == null) {
            log.error("app={} points at revision {} which is not stored", app.key(), app.revision());
            return false;
        }
        if (canary && desired >= 1 && !old.isEmpty()) {
            // The canary step: exactly one instance of the new revision next to every old one.
            if (current.isEmpty()) {
                Instance fresh = new Instance.Builder()
                        .id(newInstanceId(app.name(), rev.hash()))
                        .namespace(app.namespace()).app(app.name()).revision(rev.number())
                        .state(InstanceState.Pending).createdAt(clock.instant()).build();
                launch(app, rev, fresh, "Started", null);
                return true;
            }
            return false;
        }
        int toStart = old.isEmpty() ? desired - current.size()
                : Rolling.newToStart(desired, Rolling.surge(spec, desired), current.size(), current.size() + old.size());
        if (toStart > 0) {
            for (int n = 0; n < toStart; n++) {
                Instance fresh = new Instance.Builder()
                        .id(newInstanceId(app.name(), rev.hash()))
                        .namespace(app.namespace()).app(app.name()).revision(rev.number())
                        .state(InstanceState.Pending).createdAt(clock.instant()).build();
                launch(app, rev, fresh, "Started", null);
            }
            return true;
        }
        if (current.size() > desired) {
            byStopPreference(current).stream().limit(current.size() - desired)
                    .forEach(i -> terminate(i, "scaled down to " + desired + " replicas"));
            return true;
        }
        if (old.isEmpty()) {
            return false;
        }
        List<Instance> oldAvailable = new ArrayList<>();
        List<Instance> oldUnhealthy = new ArrayList<>();
        for (Instance i : old) {
            (RolloutStatus.isAvailable(i, minReady, now) ? oldAvailable : oldUnhealthy).add(i);
        }
        int newAvailable = (int) current.stream().filter(i -> RolloutStatus.isAvailable(i, minReady, now)).count();
        Rolling.OldStep step = Rolling.oldToStop(desired, Rolling.unavailable(spec, desired),
                current.size() + old.size(), current.size(), newAvailable, old.size(), oldAvailable.size());
        if (step.total() == 0) {
            return false;
        }
        String why = "replaced by revision " + app.revision();
        byStopPreference(oldUnhealthy).stream().limit(step.unhealthy()).forEach(i -> terminate(i, why));
        byStopPreference(oldAvailable).stream().limit(step.available()).forEach(i -> terminate(i, why));
        return true;
    }

    /** Not serving first, then the youngest: the oldest Ready instances are the proven ones. */
    private static List<Instance> byStopPreference(List<Instance> instances) {
        List<Instance> sorted = new ArrayList<>(instances);
        sorted.sort(Comparator.comparing((Instance i) -> i.state().isLive())
                .thenComparing((Instance i) -> i.state() == InstanceState.Ready)
                .thenComparing(Instance::createdAt, Comparator.nullsFirst(Comparator.reverseOrder())));
        return sorted;
    }

    private static long countLive(List<Instance> instances, int revision) {
        return instances.stream().filter(i -> i.revision() == revision && i.state().isLive()).count();
    }

    // ---------------------------------------------------------------- history cleanup

    /**
     * Keeps {@code revisionHistoryLimit} old revisions: older ones that no instance runs (and
     * that are not the rollback target) are deleted, then every artifact no remaining revision
     * of any app references. Runs only once a rollout has finished, as cleanupDeployment.
     */
    private void cleanup(StoredApp app, RolloutStatus st, List<Instance> instances, Map<Integer, Revision> revisions) {
        int limit = app.app().spec().rollout().revisionHistoryLimit();
        List<Integer> old = revisions.keySet().stream().filter(n -> n != app.revision()).sorted().toList();
        if (old.size() <= limit) {
            return;
        }
        Set<Integer> inUse = new HashSet<>();
        instances.forEach(i -> inUse.add(i.revision()));
        List<Integer> doomed = old.stream()
                .filter(n -> !inUse.contains(n) && n != st.lastCompleteRevision())
                .limit(old.size() - limit).toList();
        if (doomed.isEmpty()) {
            return;
        }
        store.write(tx -> {
            doomed.forEach(n -> tx.deleteRevision(app.namespace(), app.name(), n));
            tx.appendEvent(Event.normal(app.namespace(), app.name(), null, "RevisionsDeleted",
                    "deleted revision" + (doomed.size() == 1 ? " " : "s ") + String.join(", ",
                            doomed.stream().map(String::valueOf).toList()) + " (revisionHistoryLimit " + limit + ")"));
            return null;
        });
        log.info("app={} deleted old revisions {} (revisionHistoryLimit {})", app.key(), doomed, limit);
        collectArtifacts();
    }

    /** Deletes the artifacts no revision of any app references (and that are not brand new). */
    private void collectArtifacts() {
        Set<Path> referenced = new HashSet<>();
        for (StoredApp a : store.apps()) {
            if (a.app().spec().run().jar() != null) {
                referenced.add(Path.of(a.app().spec().run().jar()));
            }
            for (Revision r : store.revisions(a.namespace(), a.name())) {
                if (r.template().run().jar() != null) {
                    referenced.add(Path.of(r.template().run().jar()));
                }
            }
        }
        try {
            List<Path> deleted = artifacts.collect(referenced, settings.artifactGrace());
            if (!deleted.isEmpty()) {
                log.info("deleted {} artifact(s) no revision references: {}", deleted.size(),
                        new TreeSet<>(deleted.stream().map(p -> p.getFileName().toString()).toList()));
            }
        } catch (IOException e) {
            log.warn("artifact garbage collection in {} failed: {}", artifacts.dir(), e.toString());
        }
    }

    // ---------------------------------------------------------------- instance lifecycle

    /**
     * Starts {@code inst} (new, or restarted in place). The record is written before the
     * process exists, so a crash between fork and the second write leaves a record without a
     * handle; recovery then reaps the stray process by its owner marker.
     */
    private void launch(StoredApp app, Revision rev, Instance inst, String reason, String message) {
        int port = Ports.freeLocalPort();
        Instance pending = inst.toBuilder().state(InstanceState.Pending).port(port).pid(0).handle(null)
                .nextRestartAt(null).build();
        store.write(tx -> {
            tx.putInstance(pending);
            return null;
        });
        LaunchSpec spec;
        try {
            spec = launchSpec(app, rev, pending);
        } catch (IOException e) {
            failedToStart(pending, "cannot prepare volumes: " + e.getMessage());
            return;
        }
        InstanceHandle handle;
        try {
            handle = driver.start(spec);
        } catch (DriverException | RuntimeException e) {
            failedToStart(pending, "failed to start: " + e.getMessage());
            return;
        }
        Instant now = clock.instant();
        Instance started = pending.toBuilder().state(InstanceState.Starting).pid(handle.pid()).port(handle.port())
                .startedAt(now).readyAt(null).reason(null).handle(Json.write(handle)).build();
        String text = message != null ? message
                : inst.id() + " started (revision " + rev.number() + ", pid " + handle.pid() + ", port " + port + ")";
        store.write(tx -> {
            tx.putInstance(started);
            tx.appendEvent(Event.normal(app.namespace(), app.name(), inst.id(), reason, text));
            return null;
        });
        log.info("app={} instance={} revision={} {}", app.key(), inst.id(), rev.number(), text);
        watch(started, rev.template(), spec.env());
    }

    private void watch(Instance inst, RevisionTemplate template, Map<String, String> env) {
        String appKey = inst.appKey();
        long pid = inst.pid();
        driver.exit(inst.id()).whenComplete((status, error) -> observe(new Observation.Exited(appKey, inst.id(), pid,
                status != null ? status : new ExitStatus(null, 0, "lost: " + error, clock.instant()))));
        prober.watch(inst.id(), LOOPBACK, inst.port(), template.probes(), env,
                (id, kind, passing, detail) -> observe(new Observation.ProbeChanged(appKey, id, pid, kind, passing, detail)));
    }

    private void failedToStart(Instance inst, String why) {
        int streak = crashStreak.getOrDefault(inst.id(), 0) + 1;
        crashStreak.put(inst.id(), streak);
        Duration delay = settings.backoff(Math.max(streak, 2));
        store.write(tx -> {
            tx.putInstance(inst.toBuilder().state(InstanceState.Failed).reason(why)
                    .nextRestartAt(clock.instant().plus(delay)).build());
            tx.appendEvent(Event.warning(inst.namespace(), inst.app(), inst.id(), "FailedStart",
                    inst.id() + " " + why + "; retrying in " + seconds(delay)));
            return null;
        });
        log.warn("app={} instance={} revision={} {}", inst.appKey(), inst.id(), inst.revision(), why);
        enqueueAfter(inst.appKey(), delay);
    }

    /**
     * Stops an instance for good. A record with no process behind it goes at once. A process
     * that was ever Ready is drained: marked Terminating now (which takes it out of the endpoint
     * set at this commit), stopped later by {@link #progressDrains}. Any other process gets
     * SIGTERM and its grace period at once. The record goes when the exit is observed.
     */
    private void terminate(Instance inst, String why) {
        prober.unwatch(inst.id());
        boolean hasProcess = driver.running().contains(inst.id());
        boolean drain = hasProcess && inst.readyAt() != null && inst.state().isLive();
        store.write(tx -> {
            if (hasProcess) {
                tx.putInstance(inst.withState(InstanceState.Terminating, drain ? "draining: " + why : why));
            } else {
                tx.deleteInstance(inst.id());
            }
            tx.appendEvent(Event.normal(inst.namespace(), inst.app(), inst.id(), hasProcess ? "Stopping" : "Removed",
                    (hasProcess ? "stopping " : "removed ") + inst.id() + ": " + why + (drain ? " (draining first)" : "")));
            return null;
        });
        if (drain) {
            Instant now = clock.instant();
            draining.put(inst.id(), now);
            wakeAt(inst.appKey(), now.plus(settings.minDrain()));
        } else if (hasProcess) {
            driver.stop(inst.id(), settings.stopGrace());
        }
    }

    /**
     * Draining instances whose requests are done (or whose grace is over) get SIGTERM and the
     * rest of their grace period (at least 1 s); the others are looked at again shortly. Never
     * waits on the controller thread.
     */
    private void progressDrains(String appKey, List<Instance> instances) {
        Instant now = clock.instant();
        for (Instance inst : instances) {
            Instant since = draining.get(inst.id());
            if (since == null) {
                continue;
            }
            if (inst.state() != InstanceState.Terminating) {
                draining.remove(inst.id());
                continue;
            }
            Duration drained = Duration.between(since, now);
            if (drained.compareTo(settings.minDrain()) < 0) {
                wakeAt(appKey, since.plus(settings.minDrain()));
                continue;
            }
            int busy;
            try {
                busy = inflight.inflight(inst.id());
            } catch (RuntimeException e) {
                log.warn("app={} instance={} in-flight count unavailable ({}); treating it as 0", appKey, inst.id(),
                        e.toString());
                busy = 0;
            }
            boolean graceOver = drained.compareTo(settings.stopGrace()) >= 0;
            if (busy > 0 && !graceOver) {
                wakeAt(appKey, now.plus(settings.drainPoll()));
                continue;
            }
            draining.remove(inst.id());
            Duration rest = settings.stopGrace().minus(drained);
            if (rest.compareTo(Duration.ofSeconds(1)) < 0) {
                rest = Duration.ofSeconds(1);
            }
            log.info("app={} instance={} revision={} drained in {} ({} in flight); SIGTERM, {} to exit", appKey,
                    inst.id(), inst.revision(), seconds(drained.truncatedTo(java.time.temporal.ChronoUnit.MILLIS)), busy,
                    seconds(rest.truncatedTo(java.time.temporal.ChronoUnit.MILLIS)));
            driver.stop(inst.id(), rest);
        }
    }

    /** Like {@link #terminate}, for instances already on their way out. */
    private void stopOrForget(Instance inst, String why) {
        if (inst.state() != InstanceState.Terminating) {
            terminate(inst, why);
        } else if (!driver.running().contains(inst.id())) {
            forgetStopped(inst);
        }
    }

    /** A Terminating record whose process is gone but whose exit we did not hear of. */
    private void forgetStopped(Instance inst) {
        store.write(tx -> {
            tx.deleteInstance(inst.id());
            tx.appendEvent(Event.normal(inst.namespace(), inst.app(), inst.id(), "Stopped", inst.id() + " stopped"));
            return null;
        });
    }

    private LaunchSpec launchSpec(StoredApp app, Revision rev, Instance inst) throws IOException {
        Path logDir = dataDir.resolve("logs").resolve(app.namespace()).resolve(app.name());
        return new LaunchSpec(inst.id(), app.namespace(), app.name(), rev.number(), rev.template().run(),
                instanceEnv(app.namespace(), app.name(), rev.template()), inst.port(), rev.template().resources(),
                logDir, settings.stopGrace());
    }

    /** The app's env plus one variable per volume, whose folder is created if missing. */
    private Map<String, String> instanceEnv(String namespace, String app, RevisionTemplate t) throws IOException {
        Map<String, String> env = new LinkedHashMap<>(t.env());
        for (VolumeSpec v : t.volumes()) {
            Path dir = dataDir.resolve("volumes").resolve(namespace).resolve(app).resolve(v.name());
            Files.createDirectories(dir);
            env.put(v.envVar(), dir.toString());
        }
        return env;
    }

    private RestartPolicy restartPolicy(Instance inst) {
        return store.revision(inst.namespace(), inst.app(), inst.revision())
                .map(r -> r.template().restartPolicy()).orElse(RestartPolicy.Always);
    }

    private String newInstanceId(String app, String revisionHash) {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789"; // no vowels: ids never spell words
        StringBuilder sb = new StringBuilder(app).append('-').append(revisionHash, 0, 5).append('-');
        for (int i = 0; i < 5; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- recovery

    /**
     * After a restart of the platform: every instance record either gets its process back
     * (proven by the driver) or is started again; every process of ours that no record claims
     * is stopped. Never two live copies of an instance, never an orphan.
     */
    private void recover() {
        Set<String> adopted = new HashSet<>();
        for (Instance inst : store.instances()) {
            Optional<InstanceHandle> handle = Optional.empty();
            if (inst.handle() != null) {
                handle = driver.recover(Json.read(inst.handle(), InstanceHandle.class));
            }
            if (handle.isPresent()) {
                adopted.add(inst.id());
                InstanceHandle h = handle.get();
                Instance live = inst.toBuilder().pid(h.pid()).port(h.port()).handle(Json.write(h)).build();
                if (!live.equals(inst)) {
                    store.write(tx -> {
                        tx.putInstance(live);
                        return null;
                    });
                }
                if (inst.state() == InstanceState.Terminating) {
                    driver.exit(inst.id()).whenComplete((s, e) -> observe(new Observation.Exited(inst.appKey(),
                            inst.id(), live.pid(), s != null ? s : new ExitStatus(null, 0, "stopped", clock.instant()))));
                    draining.put(inst.id(), clock.instant()); // drain again: in-flight requests are unknown here
                } else {
                    Optional<Revision> rev = store.revision(inst.namespace(), inst.app(), inst.revision());
                    if (rev.isPresent()) {
                        try {
                            watch(live, rev.get().template(), instanceEnv(inst.namespace(), inst.app(), rev.get().template()));
                        } catch (IOException e) {
                            log.warn("app={} instance={} cannot prepare probe env: {}", inst.appKey(), inst.id(), e.toString());
                        }
                    }
                }
                log.info("app={} instance={} revision={} re-adopted (pid {})", inst.appKey(), inst.id(),
                        inst.revision(), h.pid());
            } else if (inst.state() == InstanceState.Terminating) {
                store.write(tx -> {
                    tx.deleteInstance(inst.id());
                    return null;
                });
            } else if (inst.state().isLive()) {
                // Its process is gone (platform stopped, machine rebooted): start it again now,
                // without counting it as a crash of the app.
                store.write(tx -> {
                    tx.putInstance(inst.toBuilder().state(InstanceState.Failed).pid(0).handle(null)
                            .reason("process gone after a platform restart").nextRestartAt(clock.instant()).build());
                    tx.appendEvent(Event.normal(inst.namespace(), inst.app(), inst.id(), "Lost",
                            inst.id() + " was not running after the platform restarted; starting it again"));
                    return null;
                });
            }
        }
        var reaped = driver.reapStrays(adopted);
        if (!reaped.isEmpty()) {
            log.warn("stopped {} stray process(es) no record claims: {}", reaped.size(), reaped);
        }
        collectArtifacts();
    }

    private static Event event(boolean warning, Instance inst, String reason, String message) {
        return warning ? Event.warning(inst.namespace(), inst.app(), inst.id(), reason, message)
                : Event.normal(inst.namespace(), inst.app(), inst.id(), reason, message);
    }

    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
