package io.nuri.gateway;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks one endpoint of an app's pool for a request. One instance serves one app snapshot and is
 * called from every event loop at once, so implementations keep their state lock-free.
 *
 * <p>Slow start is a weight multiplier that every strategy honours: an endpoint younger than the
 * app's warm-up time counts with {@link Pool#warmup} of its weight, ramping linearly from
 * {@value SlowStart#MIN_FACTOR} (just Ready) to 1 (warm):
 * <pre>
 *  share
 *   1.0 |                 ___________
 *       |              _/
 *       |           _/
 *       |        _/
 *  0.05 |_____ /
 *       +-----|-----------|--------- time
 *         readySince   readySince + warmupSeconds
 * </pre>
 * When nothing in the pool is warming and weights are equal, the strategies take a fast path that
 * reads no weights at all. When weights differ (a canary gets a small share of its app's weight)
 * every strategy sends each endpoint about its share of the requests.
 */
@FunctionalInterface
public interface LoadBalancer {

    /**
     * Returns the index in {@code pool} of the chosen endpoint; {@code pool.size() > 0}.
     *
     * @param nowMillis wall-clock time for the slow-start ramp
     */
    int select(Pool pool, long nowMillis);

    /**
     * Fewest requests in flight among two endpoints drawn at random ("power of two choices"); with
     * unequal weights both are drawn by weight and compared by requests in flight per unit of weight.
     */
    static LoadBalancer leastRequest() {
        return LeastRequest.INSTANCE;
    }

    /**
     * Each endpoint in turn; with unequal weights, a low-discrepancy sequence over the weights (so
     * shares are exact over a few hundred requests and picks interleave); while one warms up, a
     * weighted random pick by slow-start share (times weight).
     */
    static LoadBalancer roundRobin() {
        return new RoundRobin();
    }

    /** Random pick proportional to each endpoint's weight (times its slow-start share). */
    static LoadBalancer weighted() {
        return Weighted.INSTANCE;
    }

    /** What a strategy may read about the endpoints it chooses from. */
    interface Pool {
        int size();

        /** Requests in flight to endpoint {@code i} now. */
        int inflight(int i);

        /** Configured weight of endpoint {@code i} (> 0). */
        int weight(int i);

        /** Slow-start multiplier of endpoint {@code i} in (0, 1]; 1 once warm. */
        double warmup(int i, long nowMillis);

        /** True while some endpoint's {@link #warmup} is below 1. */
        boolean warming(long nowMillis);

        /** True when every {@link #weight} is the same. */
        boolean equalWeights();
    }

    /** Weighted random pick over {@code weight(i) * warmup(i)} (or warmup alone). */
    static int weightedRandom(Pool pool, long nowMillis, boolean useWeights, int exclude) {
        return weightedAt(pool, nowMillis, useWeights, exclude, ThreadLocalRandom.current().nextDouble());
    }

    /** The endpoint where {@code u} in [0, 1) falls on the cumulative shares (without {@code exclude}). */
    static int weightedAt(Pool pool, long nowMillis, boolean useWeights, int exclude, double u) {
        final int n = pool.size();
        double total = 0;
        for (int i = 0; i < n; i++) {
            if (i != exclude) {
                total += share(pool, i, nowMillis, useWeights);
            }
        }
        double r = u * total;
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (i == exclude) {
                continue;
            }
            last = i;
            r -= share(pool, i, nowMillis, useWeights);
            if (r < 0) {
                return i;
            }
        }
        return last; // rounding: r ended a hair above 0
    }

    private static double share(Pool pool, int i, long nowMillis, boolean useWeights) {
        final double w = pool.warmup(i, nowMillis);
        return useWeights ? w * pool.weight(i) : w;
    }
}

/** Power of two choices on in-flight counts (Mitzenmacher 2001): near least-loaded, no global scan. */
final class LeastRequest implements LoadBalancer {
    static final LeastRequest INSTANCE = new LeastRequest();

    @Override
    public int select(Pool pool, long nowMillis) {
        final int n = pool.size();
        if (n == 1) {
            return 0;
        }
        final ThreadLocalRandom rnd = ThreadLocalRandom.current();
        final boolean weights = !pool.equalWeights();
        if (!weights && !pool.warming(nowMillis)) {
            final int a = rnd.nextInt(n);
            int b = rnd.nextInt(n - 1);
            if (b >= a) {
                b++;
            }
            return pool.inflight(b) < pool.inflight(a) ? b : a;
        }
        // Warming or unequal weights: draw both candidates by share (slow-start factor times weight),
        // then compare load per unit of share, so a light endpoint (cold, or a canary) is drawn
        // rarely and also loses when it is already busy. With no load the first draw wins: picks are
        // then exactly proportional to share.
        final int a = LoadBalancer.weightedRandom(pool, nowMillis, weights, -1);
        final int b = LoadBalancer.weightedRandom(pool, nowMillis, weights, a);
        final double la = pool.inflight(a) / share(pool, a, nowMillis, weights);
        final double lb = pool.inflight(b) / share(pool, b, nowMillis, weights);
        return lb < la ? b : a;
    }

    private static double share(Pool pool, int i, long nowMillis, boolean weights) {
        return weights ? pool.warmup(i, nowMillis) * pool.weight(i) : pool.warmup(i, nowMillis);
    }

    @Override
    public String toString() {
        return "leastRequest";
    }
}

final class RoundRobin implements LoadBalancer {
    /** The golden ratio's fractional part: k * PHI mod 1 spreads evenly over [0, 1) for any prefix. */
    private static final double PHI = 0.6180339887498949;
    private final AtomicInteger next = new AtomicInteger();

    @Override
    public int select(Pool pool, long nowMillis) {
        final int n = pool.size();
        if (n == 1) {
            return 0;
        }
        if (pool.warming(nowMillis)) {
            return LoadBalancer.weightedRandom(pool, nowMillis, !pool.equalWeights(), -1);
        }
        final int k = next.getAndIncrement() & Integer.MAX_VALUE;
        if (!pool.equalWeights()) {
            // Weighted "turns": the k-th point of the golden-ratio sequence on the cumulative
            // weights. Lock-free like the plain turn, shares exact to within a few requests, and
            // a light endpoint's picks are spread out rather than bunched.
            final double u = k * PHI % 1.0;
            return LoadBalancer.weightedAt(pool, nowMillis, true, -1, u);
        }
        return k % n;
    }

    @Override
    public String toString() {
        return "roundRobin";
    }
}

final class Weighted implements LoadBalancer {
    static final Weighted INSTANCE = new Weighted();

    @Override
    public int select(Pool pool, long nowMillis) {
        final int n = pool.size();
        if (n == 1) {
            return 0;
        }
        if (pool.equalWeights() && !pool.warming(nowMillis)) {
            return ThreadLocalRandom.current().nextInt(n);
        }
        return LoadBalancer.weightedRandom(pool, nowMillis, true, -1);
    }

    @Override
    public String toString() {
        return "weighted";
    }
}
