package io.nuri.apm;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Watches the service, not the server: every request the gateway completes is recorded per app,
 * and the figures operators ask for (TPS, response time percentiles, error rate, APDEX, active
 * users, the T-Map heatmap, the slowest and failed transactions) are read from bounded windows.
 * Thread-safe; {@link #record} is called on the gateway's event loops and takes one per-app lock.
 */
public final class ApmHub {
    public static final long DEFAULT_APDEX_MILLIS = 500;
    /** "Current" figures are over the last 10 seconds: steady enough to read, recent enough to act on. */
    public static final int CURRENT_WINDOW_SECONDS = 10;

    private final Map<String, AppWindow> apps = new ConcurrentHashMap<>();
    private final Map<String, AppBreakdowns> breakdowns = new ConcurrentHashMap<>();
    private final LongSupplier clock;
    private volatile Map<String, Long> apdexThresholds = Map.of();

    public ApmHub(LongSupplier clockMillis) {
        this.clock = clockMillis;
    }

    public ApmHub() {
        this(System::currentTimeMillis);
    }

    /** Per-app APDEX threshold T in ms ("ns/app" -> T); apps not listed use 500 ms. Applies to requests recorded from now on. */
    public void apdexThresholds(Map<String, Long> thresholds) {
        this.apdexThresholds = Map.copyOf(thresholds);
        apps.forEach((key, w) -> w.apdexThresholdMillis(thresholds.getOrDefault(key, DEFAULT_APDEX_MILLIS)));
    }

    public void record(String namespace, String app, Transaction t) {
        window(namespace + "/" + app).record(t);
    }

    /** {@link #record} plus the per-route and per-instance figures of {@link #routes} and {@link #byInstance}. */
    public void record(String namespace, String app, String routePrefix, Transaction t) {
        recordByKey(namespace + "/" + app, routePrefix, t);
    }

    /**
     * The gateway's path: as {@link #record(String, String, String, Transaction)} for the app
     * "namespace/app", a key the caller already holds (no string built per request).
     */
    public void recordByKey(String appKey, String routePrefix, Transaction t) {
        window(appKey).record(t);
        AppBreakdowns b = breakdowns.get(appKey);
        if (b == null) {
            b = breakdowns.computeIfAbsent(appKey, k -> new AppBreakdowns(CURRENT_WINDOW_SECONDS));
        }
        b.record(routePrefix, t);
    }

    /** Per route prefix over the current window, busiest first; empty for an unknown app. */
    public List<BreakdownRow> routes(String namespace, String app) {
        AppBreakdowns b = breakdowns.get(namespace + "/" + app);
        return b == null ? List.of() : b.routes.rows(clock.getAsLong());
    }

    /** Per instance over the current window, busiest first; empty for an unknown app. */
    public List<BreakdownRow> byInstance(String namespace, String app) {
        AppBreakdowns b = breakdowns.get(namespace + "/" + app);
        return b == null ? List.of() : b.instances.rows(clock.getAsLong());
    }

    /**
     * A request of the app started (the gateway's start hook); run the returned callback once when
     * it ends, whatever the outcome. Until then it counts in {@link #inFlightByAge} and in the
     * series' {@code inFlight}. Ages are measured on this hub's clock.
     */
    public Runnable started(String namespace, String app) {
        return startedByKey(namespace + "/" + app);
    }

    /** {@link #started(String, String)} for the app "namespace/app". */
    public Runnable startedByKey(String appKey) {
        return window(appKey).started(clock.getAsLong(), clock);
    }

    /** The app's requests under way now, by age; {@link InFlightByAge#NONE} for an unknown app. */
    public InFlightByAge inFlightByAge(String namespace, String app) {
        AppWindow w = apps.get(namespace + "/" + app);
        return w == null ? InFlightByAge.NONE : w.inFlightByAge(clock.getAsLong());
    }

    private AppWindow window(String key) {
        AppWindow w = apps.get(key); // the common case, without computeIfAbsent's bin checks
        return w != null ? w
                : apps.computeIfAbsent(key, k -> new AppWindow(apdexThresholds.getOrDefault(k, DEFAULT_APDEX_MILLIS)));
    }

    public long apdexThresholdMillis(String namespace, String app) {
        AppWindow w = apps.get(namespace + "/" + app);
        return w != null ? w.apdexThresholdMillis() : apdexThresholds.getOrDefault(namespace + "/" + app, DEFAULT_APDEX_MILLIS);
    }

    public ApmSummary current(String namespace, String app) {
        AppWindow w = apps.get(namespace + "/" + app);
        return w == null ? new ApmSummary(0, 0, 0, 0, 0, 0, 0, 1.0, 0, 0, 0) : w.summary(clock.getAsLong(), CURRENT_WINDOW_SECONDS);
    }

    /**
     * The figures of the last {@code seconds} (1..60) whole seconds, the running one left out: what
     * the autoscaler reads for its windows (a partial second would understate a short window).
     */
    public ApmSummary summary(String namespace, String app, int seconds) {
        AppWindow w = apps.get(namespace + "/" + app);
        return w == null ? new ApmSummary(0, 0, 0, 0, 0, 0, 0, 1.0, 0, 0, 0)
                : w.summary(clock.getAsLong() - 1000, Math.max(1, Math.min(seconds, 60)));
    }

    /** @param seconds 1..86400: per-second points up to an hour, per-minute beyond */
    public List<SeriesPoint> series(String namespace, String app, int seconds) {
        AppWindow w = apps.get(namespace + "/" + app);
        return w == null ? List.of() : w.series(clock.getAsLong(), Math.max(1, Math.min(seconds, 86_400)));
    }

    public List<HeatmapCell> heatmap(String namespace, String app, long fromMillis, long toMillis) {
        AppWindow w = apps.get(namespace + "/" + app);
        return w == null ? List.of() : w.heatmap(fromMillis, toMillis);
    }

    /** Newest first, at most {@code limit + 1} (one more than asked tells the caller there were more). */
    public List<Transaction> transactions(String namespace, String app, Predicate<Transaction> filter, int limit) {
        AppWindow w = apps.get(namespace + "/" + app);
        return w == null ? List.of() : w.transactions(filter, limit);
    }

    /** Every app the hub has a window for, as "namespace/app". */
    public java.util.Set<String> appKeys() {
        return java.util.Set.copyOf(apps.keySet());
    }

    /** Forgets an app (deleted). */
    public void remove(String namespace, String app) {
        apps.remove(namespace + "/" + app);
        breakdowns.remove(namespace + "/" + app);
    }

    public long now() {
        return clock.getAsLong();
    }
}
