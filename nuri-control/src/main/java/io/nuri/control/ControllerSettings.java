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
 * <p>Draining: an instance stopped on purpose (scale-down, rollout, delete) leaves the endpoint
 * set first and gets SIGTERM only when its in-flight requests are done or {@code stopGrace} has
 * passed, and never before {@code minDrain}: a gateway running as its own process learns of the
 * change by polling the routing table, so it may still pick the instance for a moment.
 *
 * @param stopGrace time between leaving the endpoint set and SIGKILL when an instance is stopped
 * @param resyncInterval every app is synced at least this often, whatever was notified
 * @param minDrain shortest time between leaving the endpoint set and SIGTERM
 * @param drainPoll how often the in-flight count of a draining instance is read
 * @param artifactGrace an artifact no revision references is deleted only when its file is at
 *     least this old: an apply copies the jar in before it commits the revision that names it
 */
public record ControllerSettings(Duration stopGrace, Duration backoffBase, Duration backoffCap,
        Duration stableAfter, Duration resyncInterval, Duration minDrain, Duration drainPoll, Duration artifactGrace) {

    public static final ControllerSettings DEFAULTS = new ControllerSettings(
            Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(60),
            Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMillis(100),
            Duration.ofMinutes(10));

    /** The core timings; draining and artifact collection take their defaults. */
    public ControllerSettings(Duration stopGrace, Duration backoffBase, Duration backoffCap, Duration stableAfter,
            Duration resyncInterval) {
        this(stopGrace, backoffBase, backoffCap, stableAfter, resyncInterval, DEFAULTS.minDrain, DEFAULTS.drainPoll,
                DEFAULTS.artifactGrace);
    }

    public ControllerSettings withStopGrace(Duration grace) {
        return new ControllerSettings(grace, backoffBase, backoffCap, stableAfter, resyncInterval, minDrain, drainPoll,
                artifactGrace);
    }

    public ControllerSettings withMinDrain(Duration d) {
        return new ControllerSettings(stopGrace, backoffBase, backoffCap, stableAfter, resyncInterval, d, drainPoll,
                artifactGrace);
    }

    public ControllerSettings withArtifactGrace(Duration d) {
        return new ControllerSettings(stopGrace, backoffBase, backoffCap, stableAfter, resyncInterval, minDrain,
                drainPoll, d);
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
