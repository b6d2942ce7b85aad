package io.nuri.server;

import io.nuri.control.CanaryMetrics;
import io.nuri.gateway.RequestSample;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The gateway's request samples per app revision, kept so the controller can judge a canary
 * ({@link CanaryMetrics}). Bounded: each revision keeps a ring of its last {@value #CAPACITY}
 * completed requests (end time, duration, error), grown on demand, so an idle revision costs
 * little; a revision that saw no request for {@link #IDLE_MILLIS} is forgotten. The window's
 * p95 is computed on demand from the ring (a sort of at most {@value #CAPACITY} numbers, only
 * when the controller asks, a few times per canary).
 *
 * <p>{@link #accept} runs on the gateway's event loops: it takes one short per-revision lock.
 * Kept in memory: after a platform restart a running canary window is judged on what was seen
 * since.
 */
final class CanaryRecorder implements CanaryMetrics, Consumer<RequestSample> {
    static final int CAPACITY = 10_000;
    static final long IDLE_MILLIS = 3_600_000;

    private final Clock clock;
    private final Map<String, Ring> rings = new ConcurrentHashMap<>();
    private volatile long nextSweep;

    CanaryRecorder(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void accept(RequestSample s) {
        if (s.namespace() == null || s.app() == null || s.revision() <= 0) {
            return; // no route matched, or no instance was tried: nothing to say about a revision
        }
        long now = clock.millis();
        boolean error = s.status() == 0 || s.status() >= 500;
        rings.computeIfAbsent(key(s.namespace(), s.app(), s.revision()), k -> new Ring())
                .add(now, s.durationNanos(), error);
        if (now >= nextSweep) {
            nextSweep = now + 60_000;
            rings.values().removeIf(r -> r.idleSince(now - IDLE_MILLIS));
        }
    }

    @Override
    public Window stats(String namespace, String app, int revision, Instant since) {
        Ring ring = rings.get(key(namespace, app, revision));
        return ring == null ? Window.EMPTY : ring.window(since.toEpochMilli());
    }

    private static String key(String namespace, String app, int revision) {
        return namespace + '/' + app + '#' + revision;
    }

    /** The last {@value #CAPACITY} samples of one revision. */
    private static final class Ring {
        private long[] endMillis = new long[64];
        private long[] nanos = new long[64];
        private boolean[] errors = new boolean[64];
        private int next; // where the next sample goes
        private int size;
        private long last;

        synchronized void add(long at, long durationNanos, boolean error) {
            if (size == endMillis.length && size < CAPACITY) {
                int grown = Math.min(CAPACITY, size * 2);
                endMillis = Arrays.copyOf(endMillis, grown);
                nanos = Arrays.copyOf(nanos, grown);
                errors = Arrays.copyOf(errors, grown);
                next = size; // still in insertion order: the ring has not wrapped yet
            }
            endMillis[next] = at;
            nanos[next] = durationNanos;
            errors[next] = error;
            next = (next + 1) % endMillis.length;
            size = Math.min(size + 1, endMillis.length);
            last = at;
        }

        synchronized boolean idleSince(long cutoff) {
            return last < cutoff;
        }

        synchronized Window window(long sinceMillis) {
            long[] durations = new long[size];
            int n = 0;
            long failed = 0;
            for (int i = 0; i < size; i++) {
                if (endMillis[i] >= sinceMillis) {
                    durations[n++] = nanos[i];
                    if (errors[i]) {
                        failed++;
                    }
                }
            }
            if (n == 0) {
                return Window.EMPTY;
            }
            Arrays.sort(durations, 0, n);
            int rank = (int) Math.ceil(0.95 * n) - 1; // nearest-rank percentile
            return new Window(n, failed, durations[Math.max(0, rank)] / 1_000_000.0);
        }
    }
}
