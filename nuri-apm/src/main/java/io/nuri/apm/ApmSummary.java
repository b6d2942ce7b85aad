package io.nuri.apm;

/**
 * Figures over a window (the last 10 seconds for "current"). Times in milliseconds.
 *
 * @param tps requests completed per second over the window
 * @param apdex (satisfied + tolerating / 2) / total; 1.0 with no request
 * @param errorRate errors / total, 0..1
 */
public record ApmSummary(double tps, double avgMs, double p50Ms, double p90Ms, double p95Ms, double p99Ms, double errorRate,
        double apdex, long activeUsers, long requests, long errors) {}
