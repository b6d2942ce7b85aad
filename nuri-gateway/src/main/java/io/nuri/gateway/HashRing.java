package io.nuri.gateway;

import java.util.Arrays;

/**
 * Consistent hashing for session affinity: {@value #VNODES} points per endpoint on a 64-bit
 * ring, built once per snapshot. When an endpoint leaves, only the keys that hashed to its points
 * move (to the next point clockwise); everybody else stays pinned. With 100 points per endpoint
 * the load per endpoint stays within about ±10% of even (Karger et al. 1997; the standard
 * deviation of a share falls with 1/sqrt(points)).
 */
final class HashRing {
    static final int VNODES = 100;

    private final long[] points; // sorted
    private final int[] owners; // endpoint index per point

    HashRing(String[] ids) {
        final int n = ids.length * VNODES;
        final long[][] pairs = new long[n][];
        int k = 0;
        for (int e = 0; e < ids.length; e++) {
            final long base = hash(ids[e]);
            for (int v = 0; v < VNODES; v++) {
                pairs[k++] = new long[] {mix(base + v * 0x9E3779B97F4A7C15L), e};
            }
        }
        Arrays.sort(pairs, (a, b) -> Long.compare(a[0], b[0]));
        points = new long[n];
        owners = new int[n];
        for (int i = 0; i < n; i++) {
            points[i] = pairs[i][0];
            owners[i] = (int) pairs[i][1];
        }
    }

    /**
     * The owner of {@code key}'s point, skipping owners for which {@code usable} is false
     * (ejected, already tried); -1 if none is usable.
     */
    int lookup(CharSequence key, java.util.function.IntPredicate usable) {
        if (points.length == 0) {
            return -1;
        }
        int i = Arrays.binarySearch(points, hash(key));
        if (i < 0) {
            i = -i - 1;
        }
        for (int step = 0; step < points.length; step++) {
            final int owner = owners[(i + step) % points.length];
            if (usable == null || usable.test(owner)) {
                return owner;
            }
        }
        return -1;
    }

    /** FNV-1a over UTF-16 units, finished with a murmur3 mix: allocation-free and well spread. */
    static long hash(CharSequence s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0, n = s.length(); i < n; i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
