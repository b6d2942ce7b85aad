package io.nuri.apm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * Who calls whom, learned from the trace context the gateway sees on both hops of a call.
 *
 * <p>When app A, serving request G1, calls app B through the gateway, the gateway sees the second
 * request with either G1 as its traceparent parent (A passed the context on unchanged) or A's own
 * child span as parent plus tracestate {@code nuri=G1} (A opened a span, as instrumented apps do).
 * Either way G1 is a span the gateway issued for a request of A, so the request to B is an edge
 * A -> B. The gateway issues G1 when A's request starts, long before A's request completes, so
 * spans are registered at the start hook ({@link #spanStarted}).
 *
 * <p>Memory is bounded: the last {@value #MAX_SPANS} span ids (a ring: the oldest is forgotten
 * first; at 5,000 requests/s that is 20 s of history, longer than a request that calls others
 * normally takes; about 10 MB when full), at most
 * {@value #MAX_EDGES} edges (new edges beyond are not tracked), and per edge one-hour of
 * {@value #SLOT_SECONDS}-second counters plus the last {@value #DURATIONS} durations for the p95
 * (about 40 KB per edge). Thread-safe; the span registry is lock-free, each edge has its own lock.
 */
public final class ServiceMap {
    static final int MAX_SPANS = 100_000;
    static final int MAX_EDGES = 1_000;
    static final int SLOT_SECONDS = 10;
    static final int SLOTS = 3600 / SLOT_SECONDS;
    static final int DURATIONS = 2_048;

    private final LongSupplier clock;
    private final ConcurrentHashMap<String, String> spanApp = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<String> spanRing = new AtomicReferenceArray<>(MAX_SPANS);
    private final AtomicLong spanNext = new AtomicLong();
    private final Map<String, EdgeWindow> edges = new ConcurrentHashMap<>();
    /** namespace -> app -> "namespace/app", so the span registry shares one key string per app. */
    private final Map<String, Map<String, String>> appKeys = new ConcurrentHashMap<>();

    public ServiceMap(LongSupplier clockMillis) {
        this.clock = clockMillis;
    }

    public ServiceMap() {
        this(System::currentTimeMillis);
    }

    /** One edge over a window; apps as "namespace/app". */
    public record Edge(String from, String to, long requests, long errors, double avgMs, double p95Ms) {}

    /** The gateway opened {@code spanId} for a request of the app. */
    public void spanStarted(String namespace, String app, String spanId) {
        if (spanId == null) {
            return;
        }
        final String key = key(namespace, app);
        if (spanApp.put(spanId, key) == null) {
            final int i = (int) (spanNext.getAndIncrement() % MAX_SPANS);
            final String old = spanRing.getAndSet(i, spanId);
            if (old != null && !old.equals(spanId)) {
                spanApp.remove(old);
            }
        }
    }

    private String key(String namespace, String app) {
        final Map<String, String> byApp = appKeys.computeIfAbsent(namespace, n -> new ConcurrentHashMap<>());
        final String k = byApp.get(app);
        return k != null ? k : byApp.computeIfAbsent(app, a -> namespace + "/" + a);
    }

    /** "namespace/app" of a span the gateway issued recently, or null. */
    public String appOf(String spanId) {
        return spanId == null ? null : spanApp.get(spanId);
    }

    /** A completed request of the app; when it came from another app's request, counts on that edge. */
    public void record(String namespace, String app, Transaction t) {
        if (t.spanId() == null) {
            return;
        }
        spanStarted(namespace, app, t.spanId());
        final String callee = key(namespace, app);
        String caller = appOf(t.parentSpanId());
        if (caller == null) {
            caller = appOf(t.callerSpanId());
        }
        if (caller == null || caller.equals(callee)) {
            return; // from outside, or an app calling itself
        }
        final String edgeKey = caller + " " + callee;
        EdgeWindow w = edges.get(edgeKey);
        if (w == null) {
            if (edges.size() >= MAX_EDGES) {
                return;
            }
            w = edges.computeIfAbsent(edgeKey, k -> new EdgeWindow());
        }
        w.record(t.timeMillis(), t.durationMicros(), t.error());
    }

    /** Edges with calls in the last {@code seconds} (1..3600, counted in whole 10-second steps), busiest first. */
    public List<Edge> edges(int seconds) {
        final long now = clock.getAsLong();
        final int span = Math.max(1, Math.min(seconds, 3600));
        final List<Edge> out = new ArrayList<>();
        for (Map.Entry<String, EdgeWindow> e : edges.entrySet()) {
            final int sp = e.getKey().indexOf(' ');
            final Edge edge = e.getValue().over(e.getKey().substring(0, sp), e.getKey().substring(sp + 1), now, span);
            if (edge.requests() > 0) {
                out.add(edge);
            }
        }
        out.sort(Comparator.comparingLong(Edge::requests).reversed().thenComparing(Edge::from).thenComparing(Edge::to));
        return out;
    }

    /** Forgets the edges from and to a deleted app. */
    public void remove(String namespace, String app) {
        final String key = namespace + "/" + app;
        edges.keySet().removeIf(k -> k.startsWith(key + " ") || k.endsWith(" " + key));
    }

    /** Counters per 10-second slot for an hour, and a ring of recent durations for the p95. */
    private static final class EdgeWindow {
        private final long[] slotOf = new long[SLOTS];
        private final int[] count = new int[SLOTS];
        private final int[] errors = new int[SLOTS];
        private final long[] sumMicros = new long[SLOTS];
        private final long[] durationAt = new long[DURATIONS];
        private final long[] durationMicros = new long[DURATIONS];
        private int next;

        EdgeWindow() {
            Arrays.fill(slotOf, -1);
            Arrays.fill(durationAt, Long.MIN_VALUE);
        }

        synchronized void record(long timeMillis, long micros, boolean error) {
            final long slot = Math.floorDiv(timeMillis, SLOT_SECONDS * 1000L);
            final int i = (int) Math.floorMod(slot, SLOTS);
            if (slotOf[i] != slot) {
                slotOf[i] = slot;
                count[i] = errors[i] = 0;
                sumMicros[i] = 0;
            }
            count[i]++;
            sumMicros[i] += micros;
            if (error) {
                errors[i]++;
            }
            durationAt[next] = timeMillis;
            durationMicros[next] = micros;
            next = (next + 1) % DURATIONS;
        }

        synchronized Edge over(String from, String to, long nowMillis, int seconds) {
            final long last = Math.floorDiv(nowMillis, SLOT_SECONDS * 1000L);
            final long first = Math.floorDiv(nowMillis - (seconds - 1) * 1000L, SLOT_SECONDS * 1000L);
            long n = 0;
            long e = 0;
            long sum = 0;
            for (long s = first; s <= last; s++) {
                final int i = (int) Math.floorMod(s, SLOTS);
                if (slotOf[i] == s) {
                    n += count[i];
                    e += errors[i];
                    sum += sumMicros[i];
                }
            }
            final long since = first * SLOT_SECONDS * 1000L;
            final long[] d = new long[DURATIONS];
            int k = 0;
            for (int i = 0; i < DURATIONS; i++) {
                if (durationAt[i] >= since) {
                    d[k++] = durationMicros[i];
                }
            }
            Arrays.sort(d, 0, k);
            // Nearest rank: the smallest duration with at least 95% of the calls at or below it.
            final double p95 = k == 0 ? 0 : d[Math.max(0, (int) Math.ceil(0.95 * k) - 1)] / 1000.0;
            return new Edge(from, to, n, e, n == 0 ? 0 : sum / 1000.0 / n, p95);
        }
    }
}
