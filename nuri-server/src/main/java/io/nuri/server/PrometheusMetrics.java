package io.nuri.server;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.StoredApp;
import io.nuri.apm.ApmHub;
import io.nuri.apm.ApmSummary;
import io.nuri.gateway.RequestSample;
import io.nuri.runtime.Driver;
import io.nuri.runtime.ResourceUsage;
import io.nuri.store.Store;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The platform's figures in Prometheus' exposition format ({@code GET /metrics}, docs/apm.md):
 * request counters and latency histograms fed by the gateway's samples, and gauges read at scrape
 * time from the APM hub, the store and the driver. The Prometheus client library keeps the
 * counters and writes the format; nothing here formats text.
 *
 * <p>Cardinality stays bounded: {@code status} is the numeric code, there is no path label, and
 * the series of an instance that left the store are dropped {@link #STALE_AFTER_MILLIS} later
 * (instance ids change with every replacement, so keeping them would grow without end).
 */
final class PrometheusMetrics implements Consumer<RequestSample> {
    /** Web latency from 5 ms to a minute; 0.5 s and 2 s are the default APDEX T and 4T. */
    static final double[] LATENCY_BUCKETS_SECONDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60};
    /** Longer than any sensible scrape interval, so the last increments of a replaced instance are scraped. */
    static final long STALE_AFTER_MILLIS = 5 * 60_000;

    private final Store store;
    private final ApmHub hub;
    private final Driver driver; // null: no local usage readings (kubernetes)
    private final LongSupplier clock;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final Counter requests;
    private final Histogram duration;
    /** "ns/app/instance" of series whose instance (or app) is gone, -> when it was first seen gone. */
    private final Map<String, Long> goneSince = new HashMap<>();
    private final Object pruneLock = new Object();
    /** Label prefixes (ns, app, instance) of the request series, to find the stale ones. */
    private final Set<List<String>> seriesOwners = ConcurrentHashMap.newKeySet();
    /** The request series' data points by instance id (by app key when no instance answered). */
    private final ConcurrentHashMap<String, Series> series = new ConcurrentHashMap<>();

    PrometheusMetrics(Store store, ApmHub hub, Driver driver, LongSupplier clockMillis) {
        this.store = store;
        this.hub = hub;
        this.driver = driver;
        this.clock = clockMillis;
        this.requests = Counter.builder().name("nuri_http_requests_total")
                .help("Requests the gateway completed for an app, by the instance that answered and the status code (0: no response)")
                .labelNames("namespace", "app", "instance", "revision", "status")
                .withoutExemplars()
                .register(registry);
        this.duration = Histogram.builder().name("nuri_http_request_duration_seconds")
                .help("Time from the request's arrival at the gateway until its response completed")
                .labelNames("namespace", "app", "instance", "revision")
                .classicOnly()
                .classicUpperBounds(LATENCY_BUCKETS_SECONDS)
                .withoutExemplars()
                .register(registry);
        registry.register(new Gauges());
    }

    /**
     * Exposes the samples the APM's feed and the access log dropped because they fell behind the
     * gateway ({@code nuri_apm_dropped_samples_total{stage="feed"|"access_log"}}): 0 on a healthy
     * server; rising, the APM's figures undercount. Call once, when the gateway is built.
     */
    void droppedSamples(LongSupplier feed, LongSupplier accessLog) {
        CounterWithCallback.builder().name("nuri_apm_dropped_samples_total")
                .help("Request samples the APM (stage feed) or the access log dropped because they fell behind the gateway")
                .labelNames("stage")
                .callback(cb -> {
                    cb.call(feed.getAsLong(), "feed");
                    if (accessLog != null) {
                        cb.call(accessLog.getAsLong(), "access_log");
                    }
                })
                .register(registry);
    }

    /** A completed request from the gateway (on the APM's feed thread; cheap: one map lookup, two adds). */
    @Override
    public void accept(RequestSample s) {
        if (s.app() == null) {
            return; // no route matched: not an app's request, and a path label would be unbounded
        }
        Series series = this.series.get(s.instanceId() != null ? s.instanceId() : s.appKey());
        if (series == null || !series.isFor(s)) {
            series = newSeries(s);
        }
        series.requests(s.status()).inc();
        series.duration.observe(s.durationNanos() / 1e9);
    }

    /**
     * The data points of one (namespace, app, instance, revision), so a request costs no label
     * lookups (each builds a label list and hashes it). Keyed by instance id, or by the app key
     * for requests no instance answered.
     */
    private final class Series {
        final String appKey;
        final int revision;
        final String[] labels; // namespace, app, instance, revision
        final DistributionDataPoint duration;
        final AtomicReferenceArray<CounterDataPoint> byStatus = new AtomicReferenceArray<>(600);

        Series(RequestSample s) {
            this.appKey = s.appKey();
            this.revision = s.revision();
            this.labels = new String[] {s.namespace(), s.app(), s.instanceId() == null ? "" : s.instanceId(),
                    s.revision() > 0 ? Integer.toString(s.revision()) : ""};
            this.duration = PrometheusMetrics.this.duration.labelValues(labels);
        }

        boolean isFor(RequestSample s) {
            return revision == s.revision() && appKey.equals(s.appKey());
        }

        CounterDataPoint requests(int status) {
            if (status < 0 || status >= byStatus.length()) {
                return requestsWith(status);
            }
            CounterDataPoint p = byStatus.get(status);
            if (p == null) {
                p = requestsWith(status);
                byStatus.set(status, p); // a race makes the same lookup twice: the registry returns one point
            }
            return p;
        }

        private CounterDataPoint requestsWith(int status) {
            return requests.labelValues(labels[0], labels[1], labels[2], labels[3], Integer.toString(status));
        }
    }

    private Series newSeries(RequestSample s) {
        Series fresh = new Series(s);
        seriesOwners.add(List.of(fresh.labels[0], fresh.labels[1], fresh.labels[2]));
        series.put(s.instanceId() != null ? s.instanceId() : s.appKey(), fresh);
        return fresh;
    }

    /** The exposition, in the format the client's Accept header asks for (text 0.0.4 by default). */
    HttpService service() {
        return (ctx, req) -> HttpResponse.of(CompletableFuture.supplyAsync(() -> {
            ExpositionFormatWriter writer = formats.findWriter(req.headers().get(HttpHeaderNames.ACCEPT));
            byte[] body = scrape(writer);
            return HttpResponse.of(HttpStatus.OK, MediaType.parse(writer.getContentType()), body);
        }, ctx.blockingTaskExecutor())); // the store is read at scrape time: not on an event loop
    }

    byte[] scrape(ExpositionFormatWriter writer) {
        pruneStaleSeries();
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Drops the request series of instances (and apps) that have been gone from the store for a while. */
    private void pruneStaleSeries() {
        Set<String> apps = new HashSet<>();
        Set<String> instances = new HashSet<>();
        for (StoredApp a : store.apps()) {
            apps.add(a.namespace() + "/" + a.name());
        }
        for (Instance i : store.instances()) {
            instances.add(i.id());
        }
        long now = clock.getAsLong();
        synchronized (pruneLock) {
            for (List<String> owner : List.copyOf(seriesOwners)) {
                String key = String.join("/", owner);
                boolean live = apps.contains(owner.get(0) + "/" + owner.get(1))
                        && (owner.get(2).isEmpty() || instances.contains(owner.get(2)));
                if (live) {
                    goneSince.remove(key);
                    continue;
                }
                long since = goneSince.computeIfAbsent(key, k -> now);
                if (now - since >= STALE_AFTER_MILLIS) {
                    seriesOwners.remove(owner);
                    goneSince.remove(key);
                    series.clear(); // a cached point of a removed series would count where nobody reads
                    requests.removeIf(labels -> labels.subList(0, 3).equals(owner));
                    duration.removeIf(labels -> labels.subList(0, 3).equals(owner));
                }
            }
        }
    }

    /** Figures read at scrape time: one pass over the store per scrape. */
    private final class Gauges implements MultiCollector {
        @Override
        public MetricSnapshots collect() {
            GaugeSnapshot.Builder apdex = GaugeSnapshot.builder().name("nuri_apdex")
                    .help("APDEX over the last 10 s (1.0 with no request), T per app (apdexThresholdMs in the API)");
            GaugeSnapshot.Builder users = GaugeSnapshot.builder().name("nuri_active_users")
                    .help("Distinct users (JSESSIONID cookie, else client address) seen in the last 5 minutes");
            GaugeSnapshot.Builder inFlight = GaugeSnapshot.builder().name("nuri_in_flight_requests")
                    .help("Requests the gateway received for the app and has not answered yet");
            GaugeSnapshot.Builder count = GaugeSnapshot.builder().name("nuri_instances")
                    .help("Instances of the app by state");
            GaugeSnapshot.Builder cpu = GaugeSnapshot.builder().name("nuri_instance_cpu_ratio")
                    .help("CPU of the instance's process tree as a share of one core (2.0 = two cores busy)");
            GaugeSnapshot.Builder memory = GaugeSnapshot.builder().name("nuri_instance_memory_bytes")
                    .help("Resident memory of the instance's process tree");
            CounterSnapshot.Builder restarts = CounterSnapshot.builder().name("nuri_restarts")
                    .help("Restarts of the instance in place (crash, failed liveness, restart action)");

            Map<String, List<Instance>> byApp = new HashMap<>();
            for (Instance i : store.instances()) {
                byApp.computeIfAbsent(i.namespace() + "/" + i.app(), k -> new java.util.ArrayList<>()).add(i);
            }
            for (StoredApp a : store.apps()) {
                String ns = a.namespace();
                String app = a.name();
                Labels appLabels = Labels.of("namespace", ns, "app", app);
                ApmSummary c = hub.current(ns, app);
                apdex.dataPoint(gauge(appLabels, c.apdex()));
                users.dataPoint(gauge(appLabels, c.activeUsers()));
                inFlight.dataPoint(gauge(appLabels, hub.inFlightByAge(ns, app).total()));
                List<Instance> instances = byApp.getOrDefault(ns + "/" + app, List.of());
                // Every state, zeros included: "no Ready instance" is a value an alert can test.
                Map<InstanceState, Integer> perState = new java.util.EnumMap<>(InstanceState.class);
                for (Instance i : instances) {
                    perState.merge(i.state(), 1, Integer::sum);
                }
                for (InstanceState st : InstanceState.values()) {
                    count.dataPoint(gauge(appLabels.add("state", st.name()), perState.getOrDefault(st, 0)));
                }
                for (Instance i : instances) {
                    Labels il = appLabels.add("instance", i.id()).add("revision", Integer.toString(i.revision()));
                    restarts.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(il).value(i.restarts()).build());
                    ResourceUsage u = driver == null || !i.state().isLive() ? null : driver.usage(i.id()).orElse(null);
                    if (u != null) {
                        cpu.dataPoint(gauge(il, u.cpuPercent() / 100.0));
                        memory.dataPoint(gauge(il, u.rssBytes()));
                    }
                }
            }
            return MetricSnapshots.of(apdex.build(), users.build(), inFlight.build(), count.build(), cpu.build(),
                    memory.build(), restarts.build());
        }

        @Override
        public List<String> getPrometheusNames() {
            return List.of("nuri_apdex", "nuri_active_users", "nuri_in_flight_requests", "nuri_instances",
                    "nuri_instance_cpu_ratio", "nuri_instance_memory_bytes", "nuri_restarts");
        }

        private static GaugeSnapshot.GaugeDataPointSnapshot gauge(Labels labels, double value) {
            return GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
        }
    }
}
