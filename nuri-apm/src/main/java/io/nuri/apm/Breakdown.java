package io.nuri.apm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One app's figures split by a key (a route prefix, an instance) over the current window: per
 * key, a ring of one-second slots (count, errors, latency sum, an HdrHistogram for p95) as long as
 * the window. Bounded: at most {@value #MAX_KEYS} keys; a new key past that (63 named ones) first evicts keys idle
 * for a whole window, else is counted under {@value #OTHER}. At ~2.5 KB per histogram that is at
 * most ~1.7 MB per dimension for an app with 64 busy keys, a few KB for the usual handful.
 */
final class Breakdown {
    static final int MAX_KEYS = 64;
    static final String OTHER = "(other)";

    private final int window;
    private final Map<String, Slots> keys = new HashMap<>();

    Breakdown(int windowSeconds) {
        this.window = windowSeconds;
    }

    synchronized void record(String key, int revision, long timeMillis, long durationMicros, boolean error) {
        long s = Math.floorDiv(timeMillis, 1000);
        Slots k = keys.get(key);
        if (k == null) {
            int named = keys.size() - (keys.containsKey(OTHER) ? 1 : 0);
            if (named >= MAX_KEYS - 1) {
                evictIdle(s);
                named = keys.size() - (keys.containsKey(OTHER) ? 1 : 0);
            }
            if (named < MAX_KEYS - 1) {
                k = new Slots(window);
                keys.put(key, k);
            } else {
                k = keys.computeIfAbsent(OTHER, x -> new Slots(window)); // one place is kept for it
            }
        }
        k.record(s, revision, Math.max(0, durationMicros), error);
    }

    private void evictIdle(long nowSecond) {
        for (Iterator<Slots> it = keys.values().iterator(); it.hasNext(); ) {
            if (it.next().last <= nowSecond - window) {
                it.remove();
            }
        }
    }

    /** One row per key with requests in the window ending at {@code nowMillis}, busiest first. */
    synchronized List<BreakdownRow> rows(long nowMillis) {
        long now = Math.floorDiv(nowMillis, 1000);
        List<BreakdownRow> out = new ArrayList<>();
        for (Map.Entry<String, Slots> e : keys.entrySet()) {
            BreakdownRow r = e.getValue().row(e.getKey(), now, window);
            if (r != null) {
                out.add(r);
            }
        }
        out.sort(Comparator.comparingLong(BreakdownRow::requests).reversed().thenComparing(BreakdownRow::key));
        return out;
    }

    private static final class Slots {
        final long[] second;
        final int[] count;
        final int[] errors;
        final long[] sumMicros;
        final Histogram[] histograms;
        int revision;
        long last = Long.MIN_VALUE;

        Slots(int window) {
            second = new long[window];
            Arrays.fill(second, Long.MIN_VALUE);
            count = new int[window];
            errors = new int[window];
            sumMicros = new long[window];
            histograms = new Histogram[window];
        }

        void record(long s, int rev, long micros, boolean error) {
            int i = (int) Math.floorMod(s, second.length);
            if (second[i] != s) {
                if (second[i] > s) {
                    return; // older than the window this slot now holds
                }
                second[i] = s;
                count[i] = 0;
                errors[i] = 0;
                sumMicros[i] = 0;
                if (histograms[i] != null) {
                    histograms[i].reset();
                }
            }
            if (histograms[i] == null) {
                histograms[i] = new Histogram(AppWindow.MAX_TRACKABLE_MICROS, 2);
            }
            count[i]++;
            errors[i] += error ? 1 : 0;
            sumMicros[i] += micros;
            histograms[i].recordValue(Math.min(micros, AppWindow.MAX_TRACKABLE_MICROS));
            if (s >= last) {
                last = s;
                revision = rev;
            }
        }

        BreakdownRow row(String key, long now, int window) {
            long n = 0;
            long e = 0;
            long sum = 0;
            Histogram merged = null;
            for (int i = 0; i < second.length; i++) {
                if (second[i] > now - window && second[i] <= now && count[i] > 0) {
                    n += count[i];
                    e += errors[i];
                    sum += sumMicros[i];
                    if (merged == null) {
                        merged = new Histogram(AppWindow.MAX_TRACKABLE_MICROS, 2);
                    }
                    merged.add(histograms[i]);
                }
            }
            if (n == 0) {
                return null;
            }
            return new BreakdownRow(key, revision, n / (double) window, sum / 1000.0 / n,
                    merged.getValueAtPercentile(95) / 1000.0, e / (double) n, n, e);
        }
    }
}

/** An app's two breakdowns, fed together. */
final class AppBreakdowns {
    static final String NO_INSTANCE = "(none)";
    final Breakdown routes;
    final Breakdown instances;

    AppBreakdowns(int windowSeconds) {
        routes = new Breakdown(windowSeconds);
        instances = new Breakdown(windowSeconds);
    }

    void record(String routePrefix, Transaction t) {
        long d = t.durationMicros();
        routes.record(routePrefix == null ? "/" : routePrefix, t.revision(), t.timeMillis(), d, t.error());
        instances.record(t.instance() == null || t.instance().isEmpty() ? NO_INSTANCE : t.instance(), t.revision(),
                t.timeMillis(), d, t.error());
    }
}
