package io.nuri.gateway;

/**
 * Slow-start multiplier: linear from {@link #MIN_FACTOR} at readySince to 1 at readySince +
 * warm-up. Starting above 0 keeps a fresh instance in rotation: a 0 share would never let it
 * warm its caches and JIT, so it would hit its first real load cold.
 */
final class SlowStart {
    static final double MIN_FACTOR = 0.05;

    private SlowStart() {}

    static double factor(long readyMillis, long warmupMillis, long nowMillis) {
        if (warmupMillis <= 0) {
            return 1;
        }
        final long age = nowMillis - readyMillis;
        if (age >= warmupMillis) {
            return 1;
        }
        if (age <= 0) {
            return MIN_FACTOR;
        }
        return MIN_FACTOR + (1 - MIN_FACTOR) * ((double) age / warmupMillis);
    }
}
