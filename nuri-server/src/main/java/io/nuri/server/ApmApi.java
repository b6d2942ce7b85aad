package io.nuri.server;

import static io.nuri.server.ApiResponses.json;
import static io.nuri.server.ApiResponses.requireApp;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.ExceptionHandler;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import io.nuri.api.model.Instance;
import io.nuri.api.model.StoredApp;
import io.nuri.apm.ApmHub;
import io.nuri.apm.ApmSummary;
import io.nuri.apm.InFlightByAge;
import io.nuri.apm.LatencyBuckets;
import io.nuri.apm.Transaction;
import io.nuri.runtime.Driver;
import io.nuri.runtime.ResourceUsage;
import io.nuri.store.Store;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** The APM's read API (docs/api.md, "APM"): per-app figures, series, heatmap and transactions. */
@Blocking
@ExceptionHandler(ApiErrors.class)
final class ApmApi {
    private final Store store;
    private final ApmHub hub;
    private final Driver driver; // null on drivers without local usage readings

    ApmApi(Store store, ApmHub hub, Driver driver) {
        this.store = store;
        this.hub = hub;
        this.driver = driver;
    }

    @Get("/api/v1/namespaces/{ns}/apps/{name}/metrics")
    public HttpResponse metrics(@Param("ns") String ns, @Param("name") String name, @Param("seconds") @Default("300") int seconds) {
        requireApp(store, ns, name);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("namespace", ns);
        out.put("app", name);
        out.put("apdexThresholdMs", hub.apdexThresholdMillis(ns, name));
        Map<String, Object> current = current(ns, name);
        current.put("routes", breakdown("route", hub.routes(ns, name), false));
        current.put("byInstance", breakdown("instance", hub.byInstance(ns, name), true));
        out.put("current", current);
        int span = Math.max(1, Math.min(seconds, 86_400));
        out.put("series", Map.of("resolutionSeconds", span <= 3600 ? 1 : 60, "points", hub.series(ns, name, span)));
        List<Map<String, Object>> instances = new ArrayList<>();
        for (Instance i : store.instances(ns, name)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", i.id());
            m.put("revision", i.revision());
            m.put("state", i.state().name());
            ResourceUsage u = driver == null ? null : driver.usage(i.id()).orElse(null);
            m.put("cpuRatio", u == null ? 0 : u.cpuPercent() / 100.0);
            m.put("memoryBytes", u == null ? 0 : u.rssBytes());
            instances.add(m);
        }
        out.put("instances", instances);
        return json(out);
    }

    @Get("/api/v1/apm/apps")
    public HttpResponse apps() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (StoredApp a : store.apps()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("namespace", a.namespace());
            m.put("app", a.name());
            m.put("apdexThresholdMs", hub.apdexThresholdMillis(a.namespace(), a.name()));
            m.put("current", current(a.namespace(), a.name()));
            out.add(m);
        }
        return json(out);
    }

    @Get("/api/v1/namespaces/{ns}/apps/{name}/heatmap")
    public HttpResponse heatmap(@Param("ns") String ns, @Param("name") String name, @Param("from") @Default("0") long from,
            @Param("to") @Default("0") long to) {
        requireApp(store, ns, name);
        long now = hub.now();
        long t1 = to > 0 ? to : now;
        long t0 = from > 0 ? from : t1 - 300_000;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("from", t0);
        out.put("to", t1);
        out.put("timeBucketMs", 1000);
        out.put("latencyBucketsMs", LatencyBuckets.LOWER_EDGES_MS);
        out.put("cells", hub.heatmap(ns, name, t0, t1));
        return json(out);
    }

    @Get("/api/v1/namespaces/{ns}/apps/{name}/transactions")
    public HttpResponse transactions(@Param("ns") String ns, @Param("name") String name,
            @Param("from") @Default("0") long from, @Param("to") @Default("0") long to,
            @Param("minMs") @Default("0") double minMs, @Param("maxMs") @Default("-1") double maxMs,
            @Param("status") @Default("") String status, @Param("limit") @Default("500") int limit) {
        requireApp(store, ns, name);
        int max = Math.max(1, Math.min(limit, 5000));
        Predicate<Transaction> byStatus = statusFilter(status);
        Predicate<Transaction> filter = t -> (from <= 0 || t.timeMillis() >= from) && (to <= 0 || t.timeMillis() <= to)
                && t.durationMillis() >= minMs && (maxMs < 0 || t.durationMillis() < maxMs) && byStatus.test(t);
        List<Transaction> found = hub.transactions(ns, name, filter, max);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Transaction t : found.subList(0, Math.min(max, found.size()))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("time", t.timeMillis());
            m.put("method", t.method());
            m.put("path", t.path());
            m.put("status", t.status());
            m.put("durationMs", t.durationMillis());
            m.put("instance", t.instance());
            m.put("revision", t.revision());
            m.put("client", t.client());
            m.put("traceId", t.traceId());
            list.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("transactions", list);
        out.put("truncated", found.size() > max);
        return json(out);
    }

    private static Predicate<Transaction> statusFilter(String status) {
        if (status.isEmpty()) {
            return t -> true;
        }
        if (status.equals("error")) {
            return Transaction::error;
        }
        if (status.matches("[1-5]xx")) {
            int cls = status.charAt(0) - '0';
            return t -> t.status() / 100 == cls;
        }
        if (status.matches("[0-9]{1,3}")) {
            int code = Integer.parseInt(status);
            return t -> t.status() == code;
        }
        throw new IllegalArgumentException("status: must be a code like 500, a class like 5xx, or error; got \"" + status + "\"");
    }

    /** Rows of a breakdown: {@code {route|instance, [revision,] tps, avgMs, p95Ms, errorRate, requests, errors}}. */
    private static List<Map<String, Object>> breakdown(String keyName, List<io.nuri.apm.BreakdownRow> rows,
            boolean revision) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (io.nuri.apm.BreakdownRow r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(keyName, r.key());
            if (revision) {
                m.put("revision", r.revision());
            }
            m.put("tps", r.tps());
            m.put("avgMs", r.avgMs());
            m.put("p95Ms", r.p95Ms());
            m.put("errorRate", r.errorRate());
            m.put("requests", r.requests());
            m.put("errors", r.errors());
            out.add(m);
        }
        return out;
    }

    private Map<String, Object> current(String ns, String name) {
        ApmSummary c = hub.current(ns, name);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tps", c.tps());
        m.put("avgMs", c.avgMs());
        m.put("p50Ms", c.p50Ms());
        m.put("p90Ms", c.p90Ms());
        m.put("p95Ms", c.p95Ms());
        m.put("p99Ms", c.p99Ms());
        m.put("errorRate", c.errorRate());
        m.put("apdex", c.apdex());
        m.put("activeUsers", c.activeUsers());
        // Requests the gateway received for the app and has not answered yet, by age; the total is
        // inFlight, so the console's three bars add up to the number next to them.
        InFlightByAge byAge = hub.inFlightByAge(ns, name);
        m.put("inFlight", byAge.total());
        m.put("arrivalRate", c.tps()); // counted at completion: equal to tps over the window
        Map<String, Object> ages = new LinkedHashMap<>();
        ages.put("under3s", byAge.under3s());
        ages.put("from3to8s", byAge.from3to8s());
        ages.put("over8s", byAge.over8s());
        m.put("inFlightByAge", ages);
        m.put("requests", c.requests());
        m.put("errors", c.errors());
        return m;
    }
}
