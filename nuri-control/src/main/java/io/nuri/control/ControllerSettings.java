package io.nuri.control;

import java.time.Duration;

/**
 * Timing of the controllers, one place for every default.
 *
 * <p>Crash backoff: the first restart is immediate, then 1 s, 2 s, 4 s ... up to
 * {@code backoffCap}; an instance that ran for {@code stableAfter} before it exited starts
 * again from the beginning. Kubernetes uses 10 s doubling to 300 s and a 10 min reset; we react
 * faster because a JVM instance here starts in about a second, not after an image pull.
 *
 * @param stopGrace time between SIGTERM and SIGKILL when an instance is stopped
 * @param resyncInterval every app is synced at least this often, whatever was notified
 */
public record ControllerSettings(Duration stopGrace, Duration backoffBase, Duration backoffCap,
        Duration stableAfter, Duration resyncInterval) {

    public static final ControllerSettings DEFAULTS = new ControllerSettings(
            Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(60),
            Duration.ofSeconds(30), Duration.ofSeconds(10));

    public ControllerSettings withStopGrace(Duration grace) {
        return new ControllerSettings(grace, backoffBase, backoffCap, stableAfter, resyncInterval);
    }

    /**
     * Delay before the restart that follows the {@code streak}-th consecutive crash:
     * streak 1 -> 0, 2 -> base, 3 -> 2 x base, 4 -> 4 x base, ... capped.
     */
    public Duration backoff(int streak) {
        if (streak <= 1) {
            return Duration.ZERO;
        }
        int doublings = Math.min(streak - 2, 30);
        Duration d = backoffBase.multipliedBy(1L << doublings);
        return d.compareTo(backoffCap) > 0 ? backoffCap : d;
    }
}
