package io.nuri.apm;

/**
 * One point of a metric series: one second (or one minute beyond the last hour).
 *
 * @param inFlight the most requests under way at once during the point's span (0 without a start hook)
 */
public record SeriesPoint(long t, double tps, double avgMs, double p95Ms, double errorRate, double apdex, long activeUsers,
        long inFlight, long requests, long errors) {}
