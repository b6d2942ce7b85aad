package io.nuri.apm;

/** The heatmap's latency rows: lower edges in ms; the last row is open-ended. */
public final class LatencyBuckets {
    public static final long[] LOWER_EDGES_MS = {0, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
    public static final int COUNT = LOWER_EDGES_MS.length;

    private LatencyBuckets() {}

    public static int of(long millis) {
        int b = 0;
        while (b + 1 < COUNT && millis >= LOWER_EDGES_MS[b + 1]) {
            b++;
        }
        return b;
    }
}
