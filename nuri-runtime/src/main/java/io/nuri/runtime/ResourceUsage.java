package io.nuri.runtime;

/**
 * One reading of an instance's resources (its process tree).
 *
 * @param cpuPercent of one core over the last interval (200 = two cores busy)
 * @param rssBytes resident memory
 */
public record ResourceUsage(double cpuPercent, long rssBytes, long cpuTimeMillis, int threads) {}
