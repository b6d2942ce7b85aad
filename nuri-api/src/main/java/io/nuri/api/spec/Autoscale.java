package io.nuri.api.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code spec.autoscale}: the platform owns the replica count between {@code minReplicas} and
 * {@code maxReplicas} and moves it so that every target holds. With it set, {@code spec.replicas}
 * must be left out (the decoder refuses both) and {@code nuri scale} is refused.
 *
 * <p>A target of 0 is off; at least one is on. Each target gives a recommendation, the largest
 * wins: {@code targetConcurrency} and {@code targetRPS} divide the app's total (in-flight
 * requests, requests per second) by the per-instance target; {@code targetCPUPercent} and
 * {@code targetP95Millis} scale the current count by observed / target.
 *
 * @param stableWindowSeconds the averaging window for ordinary decisions
 * @param panicWindowSeconds the short window that detects a surge: when it asks for at least
 *     {@code panicThreshold} times the Ready count, the autoscaler panics — scales up on the short
 *     window at once and never scales in until a whole stable window passed without a surge
 * @param tolerance ratios within 1 +- tolerance of the target change nothing
 * @param scaleUpStabilizationSeconds scale up to the lowest recommendation of this window (0: at once)
 * @param scaleDownStabilizationSeconds scale down only to the highest recommendation of this window
 * @param maxScaleUpStep instances added per decision: an integer or a percentage of the current
 *     count ("1000%"), at least 1
 * @param maxScaleDownStep instances removed per decision, the same way ("50%")
 * @param warmupSeconds a new instance is left out of the CPU and latency averages for this long
 *     and the gateway ramps its share of traffic over it (the larger of this and
 *     {@code spec.traffic.warmupSeconds}); default: {@code spec.traffic.warmupSeconds}
 * @param scaleToZeroAfterSeconds with {@code minReplicas: 0}: stop every instance after this long
 *     without a request; the gateway then holds arriving requests while the first instance starts
 * @param maxHeldRequests requests the gateway holds while an app at zero starts; more get a 503
 * @param holdTimeoutSeconds how long a held request waits for an instance before a 503
 * @param schedules calendar windows that raise the minimum ahead of known peaks
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Autoscale(int minReplicas, int maxReplicas, double targetConcurrency, double targetRPS,
        double targetCPUPercent, double targetP95Millis, int stableWindowSeconds, int panicWindowSeconds,
        double panicThreshold, double tolerance, int scaleUpStabilizationSeconds, int scaleDownStabilizationSeconds,
        String maxScaleUpStep, String maxScaleDownStep, Double warmupSeconds, Integer scaleToZeroAfterSeconds,
        int maxHeldRequests, int holdTimeoutSeconds, List<Schedule> schedules) {

    public static final int STABLE_WINDOW_SECONDS = 10;
    public static final int PANIC_WINDOW_SECONDS = 2;
    public static final double PANIC_THRESHOLD = 2.0;
    public static final double TOLERANCE = 0.1;
    public static final int SCALE_DOWN_STABILIZATION_SECONDS = 60;
    public static final String MAX_SCALE_UP_STEP = "1000%";
    public static final String MAX_SCALE_DOWN_STEP = "50%";
    public static final int SCALE_TO_ZERO_AFTER_SECONDS = 300;
    public static final int MAX_HELD_REQUESTS = 1000;
    public static final int HOLD_TIMEOUT_SECONDS = 30;

    public Autoscale {
        schedules = schedules == null ? List.of() : List.copyOf(schedules);
    }

    /**
     * A window that raises the minimum: it opens at every time {@code cron} matches (5 fields,
     * Unix cron: minute hour day-of-month month day-of-week) in {@code timeZone} and stays open
     * for {@code durationMinutes}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Schedule(String name, String cron, String timeZone, int durationMinutes, int minReplicas) {}

    /** Instances the app starts with: the minimum, but at least one so it can serve at once. */
    public int initialReplicas() {
        return Math.min(maxReplicas, Math.max(1, minReplicas));
    }

    /** {@code replicas} kept within the bounds. */
    public int clamp(int replicas) {
        return Math.max(minReplicas, Math.min(maxReplicas, replicas));
    }

    public boolean scalesToZero() {
        return minReplicas == 0;
    }

    /** The warm-up for {@code traffic}: this section's value, else the gateway's slow start. */
    public double warmup(Traffic traffic) {
        return warmupSeconds != null ? warmupSeconds : traffic.warmupSeconds();
    }
}
