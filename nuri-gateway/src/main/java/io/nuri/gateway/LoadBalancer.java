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
 * reads no weights at all.
 */
@FunctionalInterface
public interface LoadBalancer {

    /**
     * Returns the index in {@code pool} of the chosen endpoint; {@code pool.size() > 0}.
     *
     * @param nowMillis wall-clock time for the slow-start ramp
     */
    int select(Pool pool, long nowMillis);

    /** Fewest requests in flight among two endpoints drawn at random ("power of two choices"). */
    static LoadBalancer leastRequest() {
        return LeastRequest.INSTANCE;
    }

    /** Each endpoint in turn; while one warms up, a weighted random pick by slow-start share. */
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
        final int n = pool.size();
        double total = 0;
        for (int i = 0; i < n; i++) {
            if (i != exclude) {
                total += share(pool, i, nowMillis, useWeights);
            }
        }
        double r = ThreadLocalRandom.current().nextDouble() * total;
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
        if (!pool.warming(nowMillis)) {
            final int a = rnd.nextInt(n);
            int b = rnd.nextInt(n - 1);
            if (b >= a) {
                b++;
            }
            return pool.inflight(b) < pool.inflight(a) ? b : a;
        }
        // Warming: draw both candidates by slow-start share, then compare load per unit of share,
        // so a cold endpoint is drawn rarely and also loses when it is already busy.
        final int a = LoadBalancer.weightedRandom(pool, nowMillis, false, -1);
        final int b = LoadBalancer.weightedRandom(pool, nowMillis, false, a);
        final double la = pool.inflight(a) / pool.warmup(a, nowMillis);
        final double lb = pool.inflight(b) / pool.warmup(b, nowMillis);
        return lb < la ? b : a;
    }

    @Override
    public String toString() {
        return "leastRequest";
    }
}

final class RoundRobin implements LoadBalancer {
    private final AtomicInteger next = new AtomicInteger();

    @Override
    public int select(Pool pool, long nowMillis) {
        final int n = pool.size();
        if (n == 1) {
            return 0;
        }
        if (pool.warming(nowMillis)) {
            return LoadBalancer.weightedRandom(pool, nowMillis, false, -1);
        }
        return (next.getAndIncrement() & Integer.MAX_VALUE) % n;
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
