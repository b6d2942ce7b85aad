package io.nuri.control.autoscale;

import io.nuri.api.model.Endpoint;
import io.nuri.api.model.Event;
import io.nuri.api.model.StoredApp;
import io.nuri.api.spec.Autoscale;
import io.nuri.api.spec.CronWindows;
import io.nuri.control.EndpointRegistry;
import io.nuri.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision loop of {@code spec.autoscale}. Every 100 ms it samples the in-flight requests of
 * each autoscaled app's Ready instances (and the requests the gateway holds for an app at zero:
 * those wake it at once); every second it closes a one-second window, averages the stable and the
 * panic windows, asks {@link ScaleDecider} and writes a changed count to the store as
 * {@code spec.replicas} — the controllers start and stop instances from there, as after
 * {@code nuri scale}. Every change is an event that carries its inputs.
 */
public final class Autoscaler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Autoscaler.class);
    static final int SAMPLES_PER_SECOND = 10;
    static final int DECISIONS_KEPT = 20;
    /** Memory kept free for the platform itself and the page cache when judging capacity. */
    static final long MEMORY_RESERVE_BYTES = 256L << 20;

    private final Store store;
    private final EndpointRegistry registry;
    private final ScaleSignals signals;
    private final Clock clock;
    private final ScheduledExecutorService loop;
    private final Map<String, Track> tracks = new ConcurrentHashMap<>();
    private volatile List<StoredApp> autoscaled = List.of();
    private int tick;

    public Autoscaler(Store store, EndpointRegistry registry, ScaleSignals signals, Clock clock) {
        this.store = store;
        this.registry = registry;
        this.signals = signals;
        this.clock = clock;
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nuri-autoscaler");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        loop.scheduleAtFixedRate(this::tickSafely, 0, 1000 / SAMPLES_PER_SECOND, TimeUnit.MILLISECONDS);
    }

    /** The status of an autoscaled app; empty when it has no {@code spec.autoscale}. */
    public Optional<AutoscaleStatus> status(String namespace, String app) {
        Optional<StoredApp> stored = store.app(namespace, app).filter(a -> a.app().spec().autoscale() != null);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        StoredApp a = stored.get();
        Autoscale p = a.app().spec().autoscale();
        Track t = tracks.get(a.key());
        Instant now = clock.instant();
        List<AutoscaleStatus.ScheduleState> schedules = new ArrayList<>();
        for (Autoscale.Schedule s : p.schedules()) {
            schedules.add(new AutoscaleStatus.ScheduleState(s.name(), s.cron(), s.timeZone(), s.minReplicas(),
                    CronWindows.isOpen(s, now), CronWindows.nextStart(s, now).orElse(null)));
        }
        AutoscaleStatus.Targets targets = new AutoscaleStatus.Targets(p.targetConcurrency(), p.targetRPS(),
                p.targetCPUPercent(), p.targetP95Millis());
        int replicas = a.app().spec().replicas();
        int ready = registry.endpoints(a.namespace(), a.name()).size();
        int effectiveMin = Math.max(p.minReplicas(), scheduledMin(p, now));
        if (t == null) { // not seen by a pass yet
            return Optional.of(new AutoscaleStatus(a.namespace(), a.name(), p.minReplicas(), p.maxReplicas(), effectiveMin,
                    replicas, replicas, ready, false, null, targets, Observed.NONE, Observed.NONE, 0, schedules, List.of()));
        }
        synchronized (t) {
            ScaleDecider.Decision last = t.lastDecision;
            return Optional.of(new AutoscaleStatus(a.namespace(), a.name(), p.minReplicas(), p.maxReplicas(), effectiveMin,
                    replicas, last == null ? replicas : last.desired(), ready, t.state.panicking(now),
                    t.state.panicUntil(), targets, t.stable, t.panic, idleSeconds(t, now), schedules,
                    List.copyOf(t.decisions)));
        }
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            log.warn("autoscaler pass failed: {}", e.toString(), e);
        }
    }

    private void tick() {
        boolean secondEnds = tick++ % SAMPLES_PER_SECOND == 0;
        if (secondEnds) {
            autoscaled = store.apps().stream().filter(a -> a.app().spec().autoscale() != null && !a.deleting()).toList();
            tracks.keySet().retainAll(autoscaled.stream().map(StoredApp::key).toList());
        }
        Instant now = clock.instant();
        for (StoredApp a : autoscaled) {
            Track t = tracks.computeIfAbsent(a.key(), k -> new Track(now));
            List<Endpoint> endpoints = registry.endpoints(a.namespace(), a.name());
            int inflight = 0;
            for (Endpoint e : endpoints) {
                inflight += signals.inflight(e.instanceId());
            }
            int held = signals.held(a.namespace(), a.name());
            synchronized (t) {
                t.inflightSum += inflight + held;
                t.samples++;
                t.held = held;
            }
            // A request waiting at zero wakes the app now, not at the end of the second.
            if (secondEnds || (held > 0 && a.app().spec().replicas() == 0)) {
                if (secondEnds) {
                    closeSecond(a, t, endpoints, now);
                }
                decide(a, t, endpoints, now);
            }
        }
    }

    /** Ends the one-second window: its mean concurrency, its requests, its warm instances' CPU. */
    private void closeSecond(StoredApp a, Track t, List<Endpoint> endpoints, Instant now) {
        Autoscale p = a.app().spec().autoscale();
        double warmup = p.warmup(a.app().spec().traffic());
        long requests = signals.requestsLastSecond(a.namespace(), a.name());
        long cpuMillis = a.app().spec().resources() == null ? 0 : a.app().spec().resources().cpuMillis();
        double cpuSum = 0;
        int cpuCount = 0;
        int warm = 0;
        for (Endpoint e : endpoints) {
            if (e.readySince() != null && e.readySince().plusMillis((long) (warmup * 1000)).isAfter(now)) {
                continue; // warming up: left out of the averages
            }
            warm++;
            double cpu = signals.cpuPercent(e.instanceId());
            if (!Double.isNaN(cpu)) {
                cpuSum += cpuMillis > 0 ? cpu * 1000 / cpuMillis : cpu;
                cpuCount++;
            }
        }
        synchronized (t) {
            double concurrency = t.samples == 0 ? 0 : (double) t.inflightSum / t.samples;
            t.seconds.addLast(new Second(now, concurrency, requests, cpuCount == 0 ? Double.NaN : cpuSum / cpuCount,
                    endpoints.size(), warm, t.held));
            while (t.seconds.size() > Math.max(p.stableWindowSeconds(), p.panicWindowSeconds())) {
                t.seconds.removeFirst();
            }
            t.inflightSum = 0;
            t.samples = 0;
            if (concurrency > 0 || requests > 0 || t.held > 0) {
                t.lastActive = now;
            }
        }
    }

    private void decide(StoredApp a, Track t, List<Endpoint> endpoints, Instant now) {
        Autoscale p = a.app().spec().autoscale();
        int current = a.app().spec().replicas();
        ScaleDecider.Decision d;
        synchronized (t) {
            t.stable = window(a, t, p.stableWindowSeconds());
            t.panic = window(a, t, p.panicWindowSeconds());
            if (t.held > 0) { // the held count of this very sample, so a wake does not wait a second
                t.panic = new Observed(t.panic.windowSeconds(), Math.max(t.panic.concurrency(), t.held),
                        t.panic.rps(), t.panic.cpuPercent(), t.panic.p95Millis(), endpoints.size(), t.panic.warm(), t.held);
            }
            d = ScaleDecider.decide(new ScaleDecider.Input(p, current, t.stable, t.panic, scheduledMin(p, now),
                    capacity(a, current, endpoints.size()), idleSeconds(t, now), now), t.state);
            t.state = d.next();
            t.lastDecision = d;
        }
        noteSchedules(a, t, now);
        if (d.changes()) {
            write(a, t, d, now);
        } else if (d.limitedBy() != null && !d.limitedBy().equals(t.lastLimit) && d.recommendation() > current) {
            t.lastLimit = d.limitedBy();
            String what = switch (d.limitedBy()) {
                case "memory" -> "the machine has memory for no more instances of " + a.app().spec().resources().memory();
                case "maxReplicas" -> "maxReplicas is " + p.maxReplicas();
                default -> d.limitedBy();
            };
            recordLimit(a, t, d, now, Event.warning(a.namespace(), a.name(), null, "AutoscaleLimited",
                    "wants " + d.recommendation() + " replicas, stays at " + current + ": " + what + " (" + d.detail() + ")"));
        } else if (d.limitedBy() == null) {
            t.lastLimit = null;
        }
    }

    private void write(StoredApp a, Track t, ScaleDecider.Decision d, Instant now) {
        String reason = d.desired() == 0 ? "ScaledToZero" : d.current() == 0 ? "WokeFromZero"
                : d.desired() > d.current() ? "ScaledUp" : "ScaledDown";
        String message = "autoscaled " + d.current() + " -> " + d.desired() + (d.limitedBy() == null ? ""
                : " (limited by " + d.limitedBy() + ", wanted " + d.recommendation() + ")") + ": " + d.detail();
        Event event = new Event(0, now, a.namespace(), a.name(), null,
                "memory".equals(d.limitedBy()) ? Event.WARNING : Event.NORMAL, reason, message);
        boolean written = store.write(tx -> {
            StoredApp fresh = tx.app(a.namespace(), a.name()).orElse(null);
            // Level-triggered: act only on the spec this decision was made for.
            if (fresh == null || fresh.deleting() || fresh.app().spec().autoscale() == null
                    || fresh.app().spec().replicas() != d.current()) {
                return false;
            }
            tx.putApp(new StoredApp(fresh.app().withSpec(fresh.app().spec().withReplicas(d.desired())), fresh.version(),
                    fresh.generation(), fresh.revision(), false, fresh.createdAt(), now), fresh.version());
            tx.appendEvent(event);
            return true;
        });
        if (written) {
            log.info("{}: {}", a.key(), message);
            synchronized (t) {
                t.decisions.addFirst(decisionRecord(d, now, message, t));
                while (t.decisions.size() > DECISIONS_KEPT) {
                    t.decisions.removeLast();
                }
            }
            // Seen by the next pass at once, not after the store's list is read again.
            autoscaled = autoscaled.stream().map(x -> x.key().equals(a.key()) ? store.app(a.namespace(), a.name())
                    .orElse(x) : x).toList();
        }
    }

    private void recordLimit(StoredApp a, Track t, ScaleDecider.Decision d, Instant now, Event e) {
        store.write(tx -> tx.appendEvent(e));
        synchronized (t) {
            t.decisions.addFirst(decisionRecord(d, now, e.message(), t));
            while (t.decisions.size() > DECISIONS_KEPT) {
                t.decisions.removeLast();
            }
        }
    }

    private static AutoscaleStatus.DecisionRecord decisionRecord(ScaleDecider.Decision d, Instant now, String message,
            Track t) {
        return new AutoscaleStatus.DecisionRecord(now, d.current(), d.desired(), d.recommendation(), d.panicking(),
                d.limitedBy(), message, t.stable, t.panic);
    }

    /** Events when a schedule window opens or closes, once each. */
    private void noteSchedules(StoredApp a, Track t, Instant now) {
        for (Autoscale.Schedule s : a.app().spec().autoscale().schedules()) {
            boolean open = CronWindows.isOpen(s, now);
            if (open != t.openSchedules.contains(s.name())) {
                if (open) {
                    t.openSchedules.add(s.name());
                } else {
                    t.openSchedules.remove(s.name());
                }
                store.write(tx -> tx.appendEvent(Event.normal(a.namespace(), a.name(), null,
                        open ? "ScheduleOpened" : "ScheduleClosed", "schedule " + s.name() + " (" + s.cron() + " "
                                + s.timeZone() + ", " + s.durationMinutes() + " min) " + (open ? "raises" : "no longer raises")
                                + " minReplicas to " + s.minReplicas())));
            }
        }
    }

    private Observed window(StoredApp a, Track t, int seconds) {
        List<Second> last = new ArrayList<>();
        var it = t.seconds.descendingIterator();
        while (it.hasNext() && last.size() < seconds) {
            last.add(it.next());
        }
        if (last.isEmpty()) {
            return new Observed(seconds, 0, 0, Double.NaN, Double.NaN, 0, 0, t.held);
        }
        double concurrency = 0;
        double requests = 0;
        double cpu = 0;
        int cpuN = 0;
        for (Second s : last) {
            concurrency += s.concurrency;
            requests += s.requests;
            if (!Double.isNaN(s.cpuPercent)) {
                cpu += s.cpuPercent;
                cpuN++;
            }
        }
        Second newest = last.getFirst();
        return new Observed(seconds, concurrency / last.size(), requests / last.size(), cpuN == 0 ? Double.NaN : cpu / cpuN,
                signals.p95Millis(a.namespace(), a.name(), seconds), newest.ready, newest.warm, t.held);
    }

    static int scheduledMin(Autoscale p, Instant now) {
        int min = 0;
        for (Autoscale.Schedule s : p.schedules()) {
            if (CronWindows.isOpen(s, now)) {
                min = Math.max(min, Math.min(s.minReplicas(), p.maxReplicas()));
            }
        }
        return min;
    }

    /** Instances the machine can host in total: those there now plus what free memory allows. */
    private int capacity(StoredApp a, int current, int ready) {
        long per = a.app().spec().resources() == null ? 0 : a.app().spec().resources().memoryBytes();
        long available = signals.availableMemoryBytes();
        if (per <= 0 || available == Long.MAX_VALUE) {
            return Integer.MAX_VALUE;
        }
        long starting = Math.max(0, current - ready); // asked for, not yet holding their memory
        long free = available - MEMORY_RESERVE_BYTES - starting * per;
        return (int) Math.min(Integer.MAX_VALUE, current + Math.max(0, free / per));
    }

    private static double idleSeconds(Track t, Instant now) {
        return Duration.between(t.lastActive, now).toMillis() / 1000.0;
    }

    @Override
    public void close() {
        loop.shutdownNow();
        try {
            loop.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Second(Instant time, double concurrency, long requests, double cpuPercent, int ready, int warm,
            int held) {}

    /** Per app: samples of the running second, the closed seconds, the decider's state. */
    private static final class Track {
        final Deque<Second> seconds = new ArrayDeque<>();
        final Deque<AutoscaleStatus.DecisionRecord> decisions = new ArrayDeque<>();
        final Set<String> openSchedules = new java.util.HashSet<>();
        long inflightSum;
        int samples;
        int held;
        Instant lastActive;
        ScaleDecider.State state = ScaleDecider.State.INITIAL;
        ScaleDecider.Decision lastDecision;
        Observed stable = Observed.NONE;
        Observed panic = Observed.NONE;
        String lastLimit;

        Track(Instant now) {
            lastActive = now;
        }
    }
}
