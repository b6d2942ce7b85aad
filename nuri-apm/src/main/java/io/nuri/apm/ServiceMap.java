package io.nuri.apm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Who calls whom, learned from the trace context the gateway sees on both hops of a call.
 *
 * <p>When app A, serving request G1, calls app B through the gateway, the gateway sees the second
 * request with either G1 as its traceparent parent (A passed the context on unchanged) or A's own
 * child span as parent plus tracestate {@code nuri=G1} (A opened a span, as instrumented apps do).
 * Either way G1 is a span the gateway issued for a request of A, so the request to B is an edge
 * A -> B. Which app a gateway span belongs to is read from the span id itself (the gateway puts
 * the app's tag in it, see the gateway's {@code appOfSpan}): nothing is registered per request,
 * and a call is placed however long the calling request has been running.
 *
 * <p>Memory is bounded: at most {@value #MAX_EDGES} edges (new edges beyond are not tracked), and
 * per edge one hour of {@value #SLOT_SECONDS}-second counters plus the last {@value #DURATIONS}
 * durations for the p95 (about 40 KB per edge). Thread-safe; each edge has its own lock.
 */
public final class ServiceMap {
    static final int MAX_EDGES = 1_000;
    static final int SLOT_SECONDS = 10;
    static final int SLOTS = 3600 / SLOT_SECONDS;
    static final int DURATIONS = 2_048;

    private final LongSupplier clock;
    private volatile Function<String, String> spanOwner = spanId -> null;
    private final Map<String, EdgeWindow> edges = new ConcurrentHashMap<>();

    public ServiceMap(LongSupplier clockMillis) {
        this.clock = clockMillis;
    }

    public ServiceMap() {
        this(System::currentTimeMillis);
    }

    /** One edge over a window; apps as "namespace/app". */
    public record Edge(String from, String to, long requests, long errors, double avgMs, double p95Ms) {}

    /** Tells whose span an id is ("namespace/app", null when not a gateway span): the gateway's {@code appOfSpan}. */
    public void spanOwner(Function<String, String> owner) {
        this.spanOwner = java.util.Objects.requireNonNull(owner, "owner");
    }

    /** "namespace/app" of a span the gateway issued, or null. */
    public String appOf(String spanId) {
        return spanId == null ? null : spanOwner.apply(spanId);
    }

    /** A completed request of the app ("namespace/app"); when it came from another app's request, counts on that edge. */
    public void record(String appKey, Transaction t) {
        if (t.spanId() == null || t.parentSpanId() == null && t.callerSpanId() == null) {
            return; // the trace started at the gateway: a request from outside
        }
        String caller = appOf(t.parentSpanId());
        if (caller == null) {
            caller = appOf(t.callerSpanId());
        }
        if (caller == null || caller.equals(appKey)) {
            return; // from outside, or an app calling itself
        }
        final String edgeKey = caller + " " + appKey;
        EdgeWindow w = edges.get(edgeKey);
        if (w == null) {
            if (edges.size() >= MAX_EDGES) {
                return;
            }
            w = edges.computeIfAbsent(edgeKey, k -> new EdgeWindow());
        }
        w.record(t.timeMillis(), t.durationMicros(), t.error());
    }

    /** {@link #record(String, Transaction)} by namespace and name. */
    public void record(String namespace, String app, Transaction t) {
        record(namespace + "/" + app, t);
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
