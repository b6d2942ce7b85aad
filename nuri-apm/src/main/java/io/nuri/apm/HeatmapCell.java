package io.nuri.apm;

/** Requests that completed in one second ({@code t}, epoch ms) with a latency in bucket {@code b}. */
public record HeatmapCell(long t, int b, int count, int errors) {}
