package io.nuri.control.autoscale;

import io.nuri.api.spec.Autoscale;
import io.nuri.api.spec.IntOrPercent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The autoscaler's decision as a pure function: the policy, the current count, what was observed
 * over the stable and the panic window and the state of earlier decisions in; the new count, why,
 * and the next state out. Running it twice on the same input gives the same answer.
 *
 * <p>Per target, desired = ceil(total / per-instance target) for concurrency and RPS, and
 * ceil(instances x observed / target) for CPU and p95; a ratio within 1 +- tolerance keeps the
 * current count; the largest recommendation wins. A surge — the panic window asking for at least
 * panicThreshold x the Ready count — starts a panic: the short window decides, never below the
 * current count, until a whole stable window passed without a surge (Knative's KPA). Scale-up
 * takes the lowest and scale-down the highest recommendation of its stabilization window (HPA's
 * behavior), then step limits, the (scheduled) minimum, the maximum and the machine's capacity.
 */
public final class ScaleDecider {
    private ScaleDecider() {}

    /** One earlier raw recommendation. */
    public record Recommendation(Instant time, int replicas) {}

    /** What the decider remembers between decisions. */
    public record State(Instant panicUntil, List<Recommendation> recommendations) {
        public static final State INITIAL = new State(null, List.of());

        public State {
            recommendations = List.copyOf(recommendations);
        }

        boolean panicking(Instant now) {
            return panicUntil != null && now.isBefore(panicUntil);
        }
    }

    /**
     * Everything a decision depends on.
     *
     * @param current the app's replica count now (spec.replicas)
     * @param scheduledMin the highest minReplicas of the schedule windows open now (0: none)
     * @param capacity instances the machine can host in total (Integer.MAX_VALUE: no limit known)
     * @param idleSeconds seconds since the app last had a request in flight or completed
     */
    public record Input(Autoscale policy, int current, Observed stable, Observed panic, int scheduledMin, int capacity,
            double idleSeconds, Instant now) {}

    /**
     * @param desired the count to set (equal to current: no change)
     * @param recommendation the raw recommendation before stabilization and limits
     * @param limitedBy what held the count below the recommendation ("maxReplicas", "memory",
     *     "maxScaleUpStep"), or null
     * @param detail the inputs in words, for the event and the status
     */
    public record Decision(int current, int desired, int recommendation, boolean panicking, boolean panicStarted,
            String limitedBy, String detail, State next) {
        public boolean changes() {
            return desired != current;
        }
    }

    public static Decision decide(Input in, State state) {
        Autoscale p = in.policy();
        int current = in.current();
        Instant now = in.now();
        List<String> why = new ArrayList<>();
        int stableRec = recommend(p, in.stable(), current, why);
        int panicRec = recommendFast(p, in.panic(), current);
        boolean surge = in.panic().ready() > 0 && panicRec >= p.panicThreshold() * in.panic().ready();
        boolean wasPanicking = state.panicking(now);
        Instant panicUntil = surge ? now.plusSeconds(p.stableWindowSeconds()) : state.panicUntil();
        boolean panicking = panicUntil != null && now.isBefore(panicUntil);
        int raw = stableRec < 0 ? current : stableRec;
        if (panicking) {
            raw = Math.max(raw, Math.max(current, panicRec));
            why.add(String.format(Locale.ROOT, "panic: %s in the %d s window asks for %d (>= %.1fx the %d ready)",
                    describeFast(p, in.panic()), in.panic().windowSeconds(), panicRec, p.panicThreshold(),
                    in.panic().ready()));
        }
        // Stabilization over the recommendations of the last seconds, this one included.
        int keep = Math.max(1, Math.max(p.scaleUpStabilizationSeconds(), p.scaleDownStabilizationSeconds()));
        List<Recommendation> recs = new ArrayList<>();
        for (Recommendation r : state.recommendations()) {
            if (Duration.between(r.time(), now).toSeconds() < keep) {
                recs.add(r);
            }
        }
        recs.add(new Recommendation(now, raw));
        int desired = current;
        if (raw > current) {
            int up = raw;
            for (Recommendation r : recs) {
                if (Duration.between(r.time(), now).toSeconds() < p.scaleUpStabilizationSeconds()) {
                    up = Math.min(up, r.replicas());
                }
            }
            desired = Math.max(current, up);
        } else if (raw < current && !panicking) {
            int down = raw;
            for (Recommendation r : recs) {
                if (Duration.between(r.time(), now).toSeconds() < p.scaleDownStabilizationSeconds()) {
                    down = Math.max(down, r.replicas());
                }
            }
            desired = Math.min(current, down);
        }
        String limitedBy = null;
        int maxUp = current + Math.max(1, IntOrPercent.resolve(p.maxScaleUpStep(), Math.max(1, current), true, 100_000));
        if (desired > maxUp) {
            desired = maxUp;
            limitedBy = "maxScaleUpStep";
        }
        int maxDown = current - Math.max(1, IntOrPercent.resolve(p.maxScaleDownStep(), current, false, 100_000));
        desired = Math.max(desired, maxDown);
        // The floor: the minimum, raised by open schedules; an app that may scale to zero keeps
        // one instance until it has been idle for scaleToZeroAfterSeconds.
        int floor = Math.max(p.minReplicas(), in.scheduledMin());
        boolean held = in.stable().held() > 0 || in.panic().held() > 0;
        if (floor == 0 && current > 0 && (p.scaleToZeroAfterSeconds() == null
                || in.idleSeconds() < p.scaleToZeroAfterSeconds() || held)) {
            floor = 1;
        }
        if (current == 0 && held) {
            floor = Math.max(floor, 1);
            why.add(in.panic().held() + " request(s) held at zero");
        }
        if (floor > p.minReplicas()) {
            why.add("minimum " + floor + (in.scheduledMin() > p.minReplicas() ? " (schedule)" : ""));
        }
        if (desired > p.maxReplicas()) {
            desired = p.maxReplicas();
            limitedBy = "maxReplicas";
        }
        desired = Math.max(desired, floor);
        if (desired > current && desired > in.capacity()) {
            desired = Math.max(current, in.capacity());
            limitedBy = "memory";
        }
        if (desired == 0 && current > 0) {
            why.add(String.format(Locale.ROOT, "idle for %.0f s (scaleToZeroAfterSeconds %d)", in.idleSeconds(),
                    p.scaleToZeroAfterSeconds()));
        }
        String detail = String.join("; ", why);
        return new Decision(current, desired, raw, panicking, panicking && !wasPanicking && surge, limitedBy, detail,
                new State(panicUntil, recs));
    }

    /** The largest recommendation of the targets on {@code o}; -1 when no target had data. */
    static int recommend(Autoscale p, Observed o, int current, List<String> why) {
        int best = -1;
        if (p.targetConcurrency() > 0) {
            best = Math.max(best, total(o.concurrency(), p.targetConcurrency(), o.ready(), current, p.tolerance()));
            why.add(String.format(Locale.ROOT, "concurrency %.1f (target %s per instance, %d s window)",
                    o.concurrency(), number(p.targetConcurrency()), o.windowSeconds()));
        }
        if (p.targetRPS() > 0) {
            best = Math.max(best, total(o.rps(), p.targetRPS(), o.ready(), current, p.tolerance()));
            why.add(String.format(Locale.ROOT, "rps %.1f (target %s per instance, %d s window)", o.rps(),
                    number(p.targetRPS()), o.windowSeconds()));
        }
        if (p.targetCPUPercent() > 0 && !Double.isNaN(o.cpuPercent()) && o.warm() > 0) {
            best = Math.max(best, ratio(o.cpuPercent() / p.targetCPUPercent(), o.warm(), current, p.tolerance()));
            why.add(String.format(Locale.ROOT, "cpu %.0f%% of request over %d warm instance(s) (target %s%%)",
                    o.cpuPercent(), o.warm(), number(p.targetCPUPercent())));
        }
        if (p.targetP95Millis() > 0 && !Double.isNaN(o.p95Millis()) && o.ready() > 0) {
            best = Math.max(best, ratio(o.p95Millis() / p.targetP95Millis(), o.ready(), current, p.tolerance()));
            why.add(String.format(Locale.ROOT, "p95 %.0f ms (target %s ms)", o.p95Millis(),
                    number(p.targetP95Millis())));
        }
        return best;
    }

    /** The recommendation of the fast signals (concurrency, RPS) on the panic window. */
    static int recommendFast(Autoscale p, Observed o, int current) {
        int best = -1;
        if (p.targetConcurrency() > 0) {
            best = Math.max(best, total(o.concurrency(), p.targetConcurrency(), o.ready(), current, 0));
        }
        if (p.targetRPS() > 0) {
            best = Math.max(best, total(o.rps(), p.targetRPS(), o.ready(), current, 0));
        }
        return best;
    }

    private static String describeFast(Autoscale p, Observed o) {
        List<String> parts = new ArrayList<>();
        if (p.targetConcurrency() > 0) {
            parts.add(String.format(Locale.ROOT, "concurrency %.1f", o.concurrency()));
        }
        if (p.targetRPS() > 0) {
            parts.add(String.format(Locale.ROOT, "rps %.1f", o.rps()));
        }
        return String.join(", ", parts);
    }

    /** For an app-wide total (in flight, requests/s): ceil(total / per-instance target). */
    private static int total(double total, double target, int ready, int current, double tolerance) {
        if (ready > 0 && Math.abs(total / (ready * target) - 1) <= tolerance) {
            return current;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.ceil(total / target - 1e-9));
    }

    /** For a per-instance level (CPU, latency): ceil(instances x observed / target). */
    private static int ratio(double ratio, int instances, int current, double tolerance) {
        if (Math.abs(ratio - 1) <= tolerance) {
            return current;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.ceil(instances * ratio - 1e-9));
    }

    private static String number(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
