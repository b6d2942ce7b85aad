package io.nuri.apm;

/** One point of a metric series: one second (or one minute beyond the last hour). */
public record SeriesPoint(long t, double tps, double avgMs, double p95Ms, double errorRate, double apdex, long activeUsers,
        long requests, long errors) {}
