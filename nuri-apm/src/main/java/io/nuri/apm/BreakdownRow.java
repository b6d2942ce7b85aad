package io.nuri.apm;

/**
 * An app's figures for one route prefix or one instance over the current window.
 *
 * @param key the route prefix ("/api"), or the instance id; "(other)" past the key cap
 * @param revision for an instance, its revision (for a route, the revision of its latest request)
 */
public record BreakdownRow(String key, int revision, double tps, double avgMs, double p95Ms, double errorRate,
        long requests, long errors) {}
