package io.nuri.server;

import static io.nuri.server.ApiResponses.json;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.ExceptionHandler;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import io.nuri.api.model.StoredApp;
import io.nuri.apm.ApmHub;
import io.nuri.apm.ApmSummary;
import io.nuri.apm.SeriesPoint;
import io.nuri.apm.ServiceMap;
import io.nuri.apm.Traces;
import io.nuri.store.Store;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/** Tracing between services (docs/apm.md, "Tracing"): the service map and the spans of one trace. */
@Blocking
@ExceptionHandler(ApiErrors.class)
final class TraceApi {
    private final Store store;
    private final ApmHub hub;
    private final ServiceMap serviceMap;

    TraceApi(Store store, ApmHub hub, ServiceMap serviceMap) {
        this.store = store;
        this.hub = hub;
        this.serviceMap = serviceMap;
    }

    @Get("/api/v1/apm/servicemap")
    public HttpResponse serviceMap(@Param("seconds") @Default("300") int seconds) {
        if (seconds < 1 || seconds > 3600) {
            throw new IllegalArgumentException("seconds: must be between 1 and 3600, got " + seconds);
        }
        List<StoredApp> apps = store.apps();
        Set<String> existing = new java.util.HashSet<>();
        for (StoredApp a : apps) {
            existing.add(a.namespace() + "/" + a.name());
        }
        Set<String> onEdges = new LinkedHashSet<>();
        List<Map<String, Object>> edgeList = new ArrayList<>();
        for (ServiceMap.Edge e : serviceMap.edges(seconds)) {
            if (!existing.contains(e.from()) || !existing.contains(e.to())) {
                continue; // an app deleted since: its edges age out of the map within the hour
            }
            onEdges.add(e.from());
            onEdges.add(e.to());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("from", e.from());
            m.put("to", e.to());
            m.put("requests", e.requests());
            m.put("errors", e.errors());
            m.put("avgMs", e.avgMs());
            m.put("p95Ms", e.p95Ms());
            edgeList.add(m);
        }
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (StoredApp a : apps) {
            String key = a.namespace() + "/" + a.name();
            Map<String, Object> n = node(a.namespace(), a.name(), seconds);
            if ((long) n.get("requests") > 0 || onEdges.contains(key)) {
                nodes.add(n);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("seconds", seconds);
        out.put("nodes", nodes);
        out.put("edges", edgeList);
        return json(out);
    }

    /** An app's figures over the window: exact up to 60 s (the hub's histograms); beyond, summed from the series with the highest per-second p95. */
    private Map<String, Object> node(String ns, String app, int seconds) {
        long requests;
        long errors;
        double p95;
        if (seconds <= 60) {
            ApmSummary s = hub.summary(ns, app, seconds);
            requests = s.requests();
            errors = s.errors();
            p95 = s.p95Ms();
        } else {
            requests = 0;
            errors = 0;
            p95 = 0;
            for (SeriesPoint p : hub.series(ns, app, seconds)) {
                requests += p.requests();
                errors += p.errors();
                p95 = Math.max(p95, p.p95Ms());
            }
        }
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("id", ns + "/" + app);
        n.put("namespace", ns);
        n.put("app", app);
        n.put("tps", requests / (double) seconds);
        n.put("p95Ms", p95);
        n.put("errorRate", requests == 0 ? 0.0 : errors / (double) requests);
        n.put("requests", requests);
        return n;
    }

    @Get("/api/v1/apm/traces/{traceId}")
    public HttpResponse trace(@Param("traceId") String traceId) {
        if (!traceId.matches("[0-9a-f]{32}")) {
            throw new IllegalArgumentException("traceId: must be 32 lowercase hex digits, got \"" + traceId + "\"");
        }
        List<Traces.Span> spans = Traces.find(hub, traceId);
        if (spans.isEmpty()) {
            throw new NoSuchElementException("trace " + traceId + " not found (no kept transaction has it)");
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (Traces.Span s : spans) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("spanId", s.spanId());
            m.put("parent", s.parent());
            m.put("parentSpanId", s.parentSpanId());
            m.put("callerSpanId", s.callerSpanId());
            m.put("namespace", s.namespace());
            m.put("app", s.app());
            m.put("method", s.method());
            m.put("path", s.path());
            m.put("status", s.status());
            m.put("start", s.startMillis());
            m.put("durationMs", s.durationMs());
            m.put("instance", s.instance());
            m.put("revision", s.revision());
            list.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("traceId", traceId);
        out.put("spans", list);
        return json(out);
    }
}
