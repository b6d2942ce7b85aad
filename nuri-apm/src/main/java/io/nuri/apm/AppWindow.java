package io.nuri.apm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.HdrHistogram.Histogram;

/**
 * The APM's memory of one app, bounded (about 0.7 MB per app, see docs/apm.md):
 * <ul>
 *   <li>one-second slots for the last hour (counts, errors, APDEX counts, latency sum, p95, active
 *       users, heatmap cells per latency bucket) and one-minute slots for the last day;
 *   <li>a latency histogram (HdrHistogram, 2 significant digits) per second for the last minute,
 *       merged for percentiles of the current window;
 *   <li>the last 20,000 transactions in columns ({@link RecentRing}: about 100 bytes each and no
 *       object per transaction, so they cost the garbage collector nothing), plus the 1,000 slowest
 *       and the last 2,000 failed ones as objects, which an ordinary ring would lose first;
 *   <li>the last time each user was seen (at most 100,000 users; beyond that new users are not
 *       counted until old ones age out of the 5-minute window: a stated undercount, never a crash);
 *   <li>the requests under way (one small list node each, unlinked when the request ends) and, per
 *       second and minute, the most that were under way at once.
 * </ul>
 * Writers are the APM's feed thread (record) and the gateway's event loops (requests starting and
 * ending); one lock per app keeps each at a few hundred ns.
 */
final class AppWindow {
    static final int SECONDS = 3600;
    static final int MINUTES = 1440;
    static final int HISTOGRAM_SECONDS = 60;
    static final int RECENT = 20_000;
    static final int SLOWEST = 1_000;
    static final int FAILED = 2_000;
    static final int MAX_USERS = 100_000;
    static final long USER_WINDOW_SECONDS = 300;
    static final long MAX_TRACKABLE_MICROS = 3_600_000_000L;

    private volatile long apdexMicros; // changed by spec.apm; applies to requests recorded from then on

    private final long[] second = new long[SECONDS];
    private final int[] count = new int[SECONDS];
    private final int[] errors = new int[SECONDS];
    private final int[] satisfied = new int[SECONDS];
    private final int[] tolerating = new int[SECONDS];
    private final long[] sumMicros = new long[SECONDS];
    private final long[] p95Micros = new long[SECONDS];
    private final int[] users = new int[SECONDS];
    private final int[] heat = new int[SECONDS * LatencyBuckets.COUNT];
    private final int[] heatErrors = new int[SECONDS * LatencyBuckets.COUNT];
    private final int[] inFlightPeak = new int[SECONDS];
    private final int[] inFlightEnd = new int[SECONDS]; // under way after the second's last start or end

    private final long[] minute = new long[MINUTES];
    private final int[] mCount = new int[MINUTES];
    private final int[] mErrors = new int[MINUTES];
    private final int[] mSatisfied = new int[MINUTES];
    private final int[] mTolerating = new int[MINUTES];
    private final long[] mSumMicros = new long[MINUTES];
    private final long[] mMaxP95 = new long[MINUTES];
    private final int[] mUsers = new int[MINUTES];
    private final int[] mInFlightPeak = new int[MINUTES];
    private final int[] mInFlightEnd = new int[MINUTES];

    private final Histogram[] histograms = new Histogram[HISTOGRAM_SECONDS];
    private final long[] histogramSecond = new long[HISTOGRAM_SECONDS];

    private final RecentRing recent = new RecentRing(RECENT);
    private long recorded; // numbers the transactions, so one kept twice (recent and failed or slowest) is listed once
    /** A failed or slow transaction kept as an object: few, and they must outlive the recent ring. */
    private record Kept(long seq, Transaction t) {}
    private final Kept[] failed = new Kept[FAILED];
    private int failedNext;
    private final PriorityQueue<Kept> slowest =
            new PriorityQueue<>(SLOWEST + 1, (a, b) -> Long.compare(a.t().durationMicros(), b.t().durationMicros()));

    private final Map<String, Long> lastSeen = new HashMap<>();
    private Long seenSecond;
    /** The requests under way, newest first through {@code prev}. */
    private Underway newestUnderway;
    private int underway;

    AppWindow(long apdexThresholdMillis) {
        this.apdexMicros = apdexThresholdMillis * 1000;
        Arrays.fill(second, -1);
        Arrays.fill(minute, -1);
        Arrays.fill(histogramSecond, -1);
        for (int i = 0; i < HISTOGRAM_SECONDS; i++) {
            histograms[i] = new Histogram(MAX_TRACKABLE_MICROS, 2);
        }
    }

    long apdexThresholdMillis() {
        return apdexMicros / 1000;
    }

    void apdexThresholdMillis(long millis) {
        this.apdexMicros = millis * 1000;
    }

    synchronized void record(Transaction t) {
        long s = Math.floorDiv(t.timeMillis(), 1000);
        int i = slot(s);
        long d = Math.max(0, t.durationMicros());
        boolean error = t.error();
        count[i]++;
        sumMicros[i] += d;
        if (error) {
            errors[i]++;
        } else if (d <= apdexMicros) {
            satisfied[i]++;
        } else if (d <= 4 * apdexMicros) {
            tolerating[i]++;
        }
        int b = LatencyBuckets.of(d / 1000);
        heat[i * LatencyBuckets.COUNT + b]++;
        if (error) {
            heatErrors[i * LatencyBuckets.COUNT + b]++;
        }
        histogram(s).recordValue(Math.min(d, MAX_TRACKABLE_MICROS));
        int m = minuteSlot(Math.floorDiv(s, 60));
        mCount[m]++;
        mSumMicros[m] += d;
        if (error) {
            mErrors[m]++;
        } else if (d <= apdexMicros) {
            mSatisfied[m]++;
        } else if (d <= 4 * apdexMicros) {
            mTolerating[m]++;
        }
        if (t.userKey() != null && (lastSeen.size() < MAX_USERS || lastSeen.containsKey(t.userKey()))) {
            if (seenSecond == null || seenSecond != s) {
                seenSecond = s; // one boxed second for all of its requests, not one per request
            }
            lastSeen.put(t.userKey(), seenSecond);
        }
        long n = recorded++;
        recent.add(n, t);
        if (error) {
            failed[failedNext] = new Kept(n, t);
            failedNext = (failedNext + 1) % FAILED;
        }
        if (slowest.size() < SLOWEST || d > slowest.peek().t().durationMicros()) {
            slowest.add(new Kept(n, t));
            if (slowest.size() > SLOWEST) {
                slowest.poll();
            }
        }
    }

    /**
     * A request under way: a node of the window's list of them (no map, no boxed time: this runs
     * twice per request on the gateway's event loop) and the callback that ends it.
     */
    private final class Underway implements Runnable {
        final long sinceMillis;
        final LongSupplier clock;
        Underway prev;
        Underway next;
        boolean ended;

        Underway(long sinceMillis, LongSupplier clock) {
            this.sinceMillis = sinceMillis;
            this.clock = clock;
        }

        @Override
        public void run() {
            ended(this, clock.getAsLong());
        }
    }

    /**
     * Registers a request under way since {@code nowMillis}; running the returned callback (once or
     * more: it is idempotent) ends it at the time {@code clock} says then.
     */
    synchronized Runnable started(long nowMillis, LongSupplier clock) {
        Underway u = new Underway(nowMillis, clock);
        u.prev = newestUnderway;
        if (newestUnderway != null) {
            newestUnderway.next = u;
        }
        newestUnderway = u;
        underway++;
        noteInFlight(Math.floorDiv(nowMillis, 1000));
        return u;
    }

    private synchronized void ended(Underway u, long nowMillis) {
        if (u.ended) {
            return;
        }
        u.ended = true;
        long s = Math.floorDiv(nowMillis, 1000);
        noteInFlight(s); // a new second starts from the level before this end: it was under way in it
        if (u.next != null) {
            u.next.prev = u.prev;
        } else {
            newestUnderway = u.prev;
        }
        if (u.prev != null) {
            u.prev.next = u.next;
        }
        u.prev = u.next = null;
        underway--;
        noteInFlight(s);
    }

    private void noteInFlight(long s) {
        int n = underway;
        int i = slot(s);
        inFlightPeak[i] = Math.max(inFlightPeak[i], n);
        inFlightEnd[i] = n;
        int m = minuteSlot(Math.floorDiv(s, 60));
        mInFlightPeak[m] = Math.max(mInFlightPeak[m], n);
        mInFlightEnd[m] = n;
    }

    synchronized InFlightByAge inFlightByAge(long nowMillis) {
        long under3 = 0;
        long from3to8 = 0;
        long over8 = 0;
        for (Underway u = newestUnderway; u != null; u = u.prev) {
            long age = nowMillis - u.sinceMillis;
            if (age < InFlightByAge.SLOW_MILLIS) {
                under3++;
            } else if (age < InFlightByAge.VERY_SLOW_MILLIS) {
                from3to8++;
            } else {
                over8++;
            }
        }
        return new InFlightByAge(under3, from3to8, over8);
    }

    /** The one-second slot of {@code s}, cleared when it last held an older second. */
    private int slot(long s) {
        int i = (int) Math.floorMod(s, SECONDS);
        if (second[i] != s) {
            second[i] = s;
            count[i] = errors[i] = satisfied[i] = tolerating[i] = 0;
            sumMicros[i] = 0;
            p95Micros[i] = -1;
            Arrays.fill(heat, i * LatencyBuckets.COUNT, (i + 1) * LatencyBuckets.COUNT, 0);
            Arrays.fill(heatErrors, i * LatencyBuckets.COUNT, (i + 1) * LatencyBuckets.COUNT, 0);
            inFlightPeak[i] = inFlightEnd[i] = underway;
            users[i] = activeUsers(s);
            int m = minuteSlot(Math.floorDiv(s, 60));
            mUsers[m] = Math.max(mUsers[m], users[i]);
        }
        return i;
    }

    private int minuteSlot(long m) {
        int i = (int) Math.floorMod(m, MINUTES);
        if (minute[i] != m) {
            minute[i] = m;
            mCount[i] = mErrors[i] = mSatisfied[i] = mTolerating[i] = mUsers[i] = 0;
            mInFlightPeak[i] = mInFlightEnd[i] = underway;
            mSumMicros[i] = 0;
            mMaxP95[i] = 0;
        }
        return i;
    }

    /** The histogram of second {@code s}; before reuse, the second it held gets its p95 written down. */
    private Histogram histogram(long s) {
        int h = (int) Math.floorMod(s, HISTOGRAM_SECONDS);
        if (histogramSecond[h] != s) {
            long old = histogramSecond[h];
            if (old >= 0 && histograms[h].getTotalCount() > 0) {
                long p95 = histograms[h].getValueAtPercentile(95);
                int i = (int) Math.floorMod(old, SECONDS);
                if (second[i] == old) {
                    p95Micros[i] = p95;
                }
                int m = (int) Math.floorMod(Math.floorDiv(old, 60), MINUTES);
                if (minute[m] == Math.floorDiv(old, 60)) {
                    mMaxP95[m] = Math.max(mMaxP95[m], p95);
                }
            }
            histograms[h].reset();
            histogramSecond[h] = s;
        }
        return histograms[h];
    }

    private int activeUsers(long nowSecond) {
        int n = 0;
        for (Iterator<Long> it = lastSeen.values().iterator(); it.hasNext(); ) {
            long seen = it.next();
            if (seen <= nowSecond - USER_WINDOW_SECONDS) {
                it.remove();
            } else {
                n++;
            }
        }
        return n;
    }

    /** The window of {@code windowSeconds} seconds ending with the second of {@code nowMillis}. */
    synchronized ApmSummary summary(long nowMillis, int windowSeconds) {
        long now = Math.floorDiv(nowMillis, 1000);
        Histogram merged = new Histogram(MAX_TRACKABLE_MICROS, 2);
        long n = 0;
        long e = 0;
        long sat = 0;
        long tol = 0;
        long sum = 0;
        for (long s = now - windowSeconds + 1; s <= now; s++) {
            int i = (int) Math.floorMod(s, SECONDS);
            if (second[i] != s) {
                continue;
            }
            n += count[i];
            e += errors[i];
            sat += satisfied[i];
            tol += tolerating[i];
            sum += sumMicros[i];
            int h = (int) Math.floorMod(s, HISTOGRAM_SECONDS);
            if (histogramSecond[h] == s) {
                merged.add(histograms[h]);
            }
        }
        long users = activeUsers(now);
        return new ApmSummary(n / (double) windowSeconds, n == 0 ? 0 : sum / 1000.0 / n, ms(merged, 50), ms(merged, 90),
                ms(merged, 95), ms(merged, 99), n == 0 ? 0 : e / (double) n, n == 0 ? 1.0 : (sat + tol / 2.0) / n, users, n, e);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }

    /**
     * One point per second for up to an hour; per minute for longer spans (up to a day). A span
     * without any request completed is left out unless requests were under way in it: a stuck
     * backend shows as points with 0 requests and a steady {@code inFlight}. Nothing starts or
     * ends in a span without a slot, so its level is the one left by the last slot before it.
     */
    synchronized List<SeriesPoint> series(long nowMillis, int seconds) {
        long now = Math.floorDiv(nowMillis, 1000);
        List<SeriesPoint> out = new ArrayList<>();
        if (seconds <= SECONDS) {
            long first = now - seconds + 1;
            int level = 0;
            int lastUsers = 0;
            for (long s = first - 1; s > now - SECONDS; s--) {
                int i = (int) Math.floorMod(s, SECONDS);
                if (second[i] == s) {
                    level = inFlightEnd[i];
                    lastUsers = users[i];
                    break;
                }
            }
            for (long s = first; s <= now; s++) {
                int i = (int) Math.floorMod(s, SECONDS);
                if (second[i] == s) {
                    level = inFlightEnd[i];
                    lastUsers = users[i];
                    if (count[i] > 0 || inFlightPeak[i] > 0) {
                        out.add(point(s * 1000, 1, count[i], errors[i], satisfied[i], tolerating[i], sumMicros[i], p95(s, i),
                                users[i], inFlightPeak[i]));
                    }
                } else if (level > 0) {
                    out.add(point(s * 1000, 1, 0, 0, 0, 0, 0, 0, lastUsers, level));
                }
            }
            return out;
        }
        long nowMinute = Math.floorDiv(now, 60);
        long first = nowMinute - Math.min(MINUTES, (seconds + 59) / 60) + 1;
        int level = 0;
        int lastUsers = 0;
        for (long m = first - 1; m > nowMinute - MINUTES; m--) {
            int i = (int) Math.floorMod(m, MINUTES);
            if (minute[i] == m) {
                level = mInFlightEnd[i];
                lastUsers = mUsers[i];
                break;
            }
        }
        for (long m = first; m <= nowMinute; m++) {
            int i = (int) Math.floorMod(m, MINUTES);
            if (minute[i] == m) {
                level = mInFlightEnd[i];
                lastUsers = mUsers[i];
                if (mCount[i] > 0 || mInFlightPeak[i] > 0) {
                    out.add(point(m * 60_000, 60, mCount[i], mErrors[i], mSatisfied[i], mTolerating[i], mSumMicros[i],
                            mMaxP95[i], mUsers[i], mInFlightPeak[i]));
                }
            } else if (level > 0) {
                out.add(point(m * 60_000, 60, 0, 0, 0, 0, 0, 0, lastUsers, level));
            }
        }
        return out;
    }

    private long p95(long s, int i) {
        int h = (int) Math.floorMod(s, HISTOGRAM_SECONDS);
        if (histogramSecond[h] == s && histograms[h].getTotalCount() > 0) {
            return histograms[h].getValueAtPercentile(95);
        }
        return Math.max(0, p95Micros[i]);
    }

    private static SeriesPoint point(long t, int spanSeconds, int n, int e, int sat, int tol, long sum, long p95, int users,
            int inFlight) {
        return new SeriesPoint(t, n / (double) spanSeconds, n == 0 ? 0 : sum / 1000.0 / n, p95 / 1000.0,
                n == 0 ? 0 : e / (double) n, n == 0 ? 1.0 : (sat + tol / 2.0) / n, users, inFlight, n, e);
    }

    synchronized List<HeatmapCell> heatmap(long fromMillis, long toMillis) {
        List<HeatmapCell> out = new ArrayList<>();
        for (long s = Math.floorDiv(fromMillis, 1000); s <= Math.floorDiv(toMillis, 1000); s++) {
            int i = (int) Math.floorMod(s, SECONDS);
            if (second[i] != s) {
                continue;
            }
            for (int b = 0; b < LatencyBuckets.COUNT; b++) {
                int c = heat[i * LatencyBuckets.COUNT + b];
                if (c > 0) {
                    out.add(new HeatmapCell(s * 1000, b, c, heatErrors[i * LatencyBuckets.COUNT + b]));
                }
            }
        }
        return out;
    }

    /** Kept transactions that match, newest first; {@code limit + 1} at most so the caller can tell truncation. */
    synchronized List<Transaction> transactions(Predicate<Transaction> filter, int limit) {
        java.util.Set<Long> seen = new java.util.HashSet<>();
        List<Transaction> out = new ArrayList<>();
        for (int k = 0; k < recent.size(); k++) {
            Transaction t = recent.get(k);
            if (filter.test(t)) {
                out.add(t);
                seen.add(recent.seq(k));
            }
        }
        for (Kept kept : failed) {
            add(kept, filter, seen, out);
        }
        for (Kept kept : slowest) {
            add(kept, filter, seen, out);
        }
        out.sort((a, b) -> Long.compare(b.timeMillis(), a.timeMillis()));
        return out.size() > limit + 1 ? new ArrayList<>(out.subList(0, limit + 1)) : out;
    }

    private static void add(Kept kept, Predicate<Transaction> filter, java.util.Set<Long> seen, List<Transaction> out) {
        if (kept != null && filter.test(kept.t()) && seen.add(kept.seq())) {
            out.add(kept.t());
        }
    }
}
