package io.nuri.apm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The spans of one trace as the gateway saw them, read from the hub's kept transactions. */
public final class Traces {
    private Traces() {}

    /**
     * One gateway span.
     *
     * @param parentSpanId the W3C parent from the request's traceparent (often the calling app's own span, which the
     *     gateway never saw)
     * @param callerSpanId the gateway span the calling app was serving (from tracestate)
     * @param parent the span of this trace, among those listed, this one hangs under: {@code parentSpanId} if it is
     *     listed, else {@code callerSpanId} if it is; null for a root (or a parent no longer kept)
     * @param startMillis when the gateway received the request (epoch ms)
     */
    public record Span(String spanId, String parentSpanId, String callerSpanId, String parent, String namespace,
            String app, String method, String path, int status, long startMillis, double durationMs, String instance,
            int revision) {}

    /** The trace's spans, by start time (a parent starts before its children); empty when none is kept. */
    public static List<Span> find(ApmHub hub, String traceId) {
        List<Span> raw = new ArrayList<>();
        for (String key : hub.appKeys()) {
            int slash = key.indexOf('/');
            String ns = key.substring(0, slash);
            String app = key.substring(slash + 1);
            for (Transaction t : hub.transactions(ns, app, t -> traceId.equals(t.traceId()), 10_000)) {
                long start = t.timeMillis() - Math.round(t.durationMillis());
                raw.add(new Span(t.spanId(), t.parentSpanId(), t.callerSpanId(), null, ns, app, t.method(), t.path(),
                        t.status(), start, t.durationMillis(), t.instance(), t.revision()));
            }
        }
        Set<String> ids = new HashSet<>();
        for (Span s : raw) {
            ids.add(s.spanId());
        }
        List<Span> out = new ArrayList<>(raw.size());
        for (Span s : raw) {
            String parent = s.parentSpanId() != null && ids.contains(s.parentSpanId()) ? s.parentSpanId()
                    : s.callerSpanId() != null && ids.contains(s.callerSpanId()) ? s.callerSpanId() : null;
            out.add(new Span(s.spanId(), s.parentSpanId(), s.callerSpanId(), parent, s.namespace(), s.app(), s.method(),
                    s.path(), s.status(), s.startMillis(), s.durationMs(), s.instance(), s.revision()));
        }
        out.sort(Comparator.comparingLong(Span::startMillis).thenComparing(s -> s.parent() == null ? 0 : 1));
        return out;
    }
}
