package io.nuri.api.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How a new revision replaces the old one ({@code spec.rollout}), as in a Kubernetes
 * Deployment's RollingUpdate strategy.
 *
 * @param maxSurge instances above {@code replicas} allowed during a rollout: an integer or a
 *     percentage of replicas rounded up ("25%"); default "25%" (at least 1 when both are 0)
 * @param maxUnavailable Ready instances below {@code replicas} allowed: integer or percentage
 *     rounded down; default "0" (zero-downtime)
 * @param minReadySeconds a new instance counts as available only after being Ready this long
 * @param progressDeadlineSeconds a rollout whose new revision is not fully available by then has
 *     failed and is rolled back automatically to the last revision that was complete; default 120
 * @param revisionHistoryLimit old revisions kept for undo (their artifacts too); default 10
 * @param paused while true, a changed template makes a revision but does not roll it out
 * @param autoRollback roll back a failed rollout by itself (default true)
 * @param canary optional: first send a share of traffic to one instance of the new revision
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Rollout(String maxSurge, String maxUnavailable, int minReadySeconds, int progressDeadlineSeconds,
        int revisionHistoryLimit, boolean paused, boolean autoRollback, Canary canary) {

    public static final Rollout DEFAULTS = new Rollout("25%", "0", 0, 120, 10, false, true, null);

    /**
     * A canary step: one instance of the new revision gets {@code weightPercent} of the traffic
     * for {@code durationSeconds}; the rollout continues only if its error rate stays at or below
     * {@code maxErrorRatePercent} and its p95 latency at or below {@code maxP95Millis} (0 = not
     * checked); otherwise it is rolled back.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Canary(int weightPercent, int durationSeconds, double maxErrorRatePercent, double maxP95Millis) {}

    /** {@code maxSurge} for {@code replicas}: percentages round up. */
    public int surge(int replicas) {
        return IntOrPercent.resolve(maxSurge, replicas, true);
    }

    /** {@code maxUnavailable} for {@code replicas}: percentages round down. */
    public int unavailable(int replicas) {
        return IntOrPercent.resolve(maxUnavailable, replicas, false);
    }
}
