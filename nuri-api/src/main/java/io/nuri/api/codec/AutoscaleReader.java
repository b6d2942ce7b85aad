package io.nuri.api.codec;

import static io.nuri.api.codec.NodeReader.between;

import io.nuri.api.spec.Autoscale;
import io.nuri.api.spec.CronWindows;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

/** Reads {@code spec.autoscale} (see {@link Autoscale} for the meaning of every field). */
final class AutoscaleReader {
    static final List<String> FIELDS = List.of("minReplicas", "maxReplicas", "targetConcurrency", "targetRPS",
            "targetCPUPercent", "targetP95Millis", "stableWindowSeconds", "panicWindowSeconds", "panicThreshold",
            "tolerance", "scaleUpStabilizationSeconds", "scaleDownStabilizationSeconds", "maxScaleUpStep",
            "maxScaleDownStep", "warmupSeconds", "scaleToZeroAfterSeconds", "maxHeldRequests", "holdTimeoutSeconds",
            "schedules");
    static final List<String> SCHEDULE_FIELDS = List.of("name", "cron", "timeZone", "durationMinutes", "minReplicas");
    static final List<String> TARGETS = List.of("targetConcurrency", "targetRPS", "targetCPUPercent", "targetP95Millis");
    private static final int HOUR = 3600;
    static final int MAX_STEP_PERCENT = 100_000;

    private AutoscaleReader() {}

    static Autoscale read(NodeReader r) {
        if (r == null) {
            return null;
        }
        int before = r.problemCount();
        int max = Fields.requiredInteger(r, "maxReplicas", 1, between(1, SpecDecoder.MAX_REPLICAS));
        int min = r.integer("minReplicas", 1, between(0, SpecDecoder.MAX_REPLICAS));
        if (r.problemCount() == before && min > max) {
            r.error("minReplicas", "must be <= maxReplicas (" + max + "), got " + min);
        }
        double concurrency = r.number("targetConcurrency", 0, positiveOrOff());
        double rps = r.number("targetRPS", 0, positiveOrOff());
        double cpu = r.number("targetCPUPercent", 0, Fields.numberBetween(0, 1000));
        double p95 = r.number("targetP95Millis", 0, positiveOrOff());
        if (TARGETS.stream().noneMatch(r::has)) {
            r.error("needs at least one target: " + String.join(", ", TARGETS));
        }
        int stable = r.integer("stableWindowSeconds", Autoscale.STABLE_WINDOW_SECONDS, between(1, HOUR));
        int panic = r.integer("panicWindowSeconds", Autoscale.PANIC_WINDOW_SECONDS, between(1, HOUR));
        if (r.has("panicWindowSeconds") && panic > stable) {
            r.error("panicWindowSeconds", "must be <= stableWindowSeconds (" + stable + "), got " + panic);
        }
        double panicThreshold = r.number("panicThreshold", Autoscale.PANIC_THRESHOLD,
                d -> d < 1.1 || d > 100 ? "must be between 1.1 and 100 (a multiple of the target)" : null);
        double tolerance = r.number("tolerance", Autoscale.TOLERANCE, d -> d < 0 || d >= 1 ? "must be >= 0 and < 1" : null);
        int upStabilization = r.integer("scaleUpStabilizationSeconds", 0, between(0, HOUR));
        int downStabilization = r.integer("scaleDownStabilizationSeconds", Autoscale.SCALE_DOWN_STABILIZATION_SECONDS,
                between(0, HOUR));
        String upStep = step(r, "maxScaleUpStep", Autoscale.MAX_SCALE_UP_STEP);
        String downStep = step(r, "maxScaleDownStep", Autoscale.MAX_SCALE_DOWN_STEP);
        Double warmup = r.has("warmupSeconds") ? r.number("warmupSeconds", 0, Fields.numberBetween(0, HOUR)) : null;
        Integer toZero = null;
        if (r.has("scaleToZeroAfterSeconds")) {
            toZero = r.integer("scaleToZeroAfterSeconds", Autoscale.SCALE_TO_ZERO_AFTER_SECONDS, between(1, 7 * 24 * HOUR));
            if (min != 0) {
                r.error("scaleToZeroAfterSeconds", "only with minReplicas: 0 (got minReplicas " + min + ")");
            }
        } else if (min == 0) {
            toZero = Autoscale.SCALE_TO_ZERO_AFTER_SECONDS;
        }
        int held = r.integer("maxHeldRequests", Autoscale.MAX_HELD_REQUESTS, between(0, 100_000));
        int holdTimeout = r.integer("holdTimeoutSeconds", Autoscale.HOLD_TIMEOUT_SECONDS, between(1, HOUR));
        List<Autoscale.Schedule> schedules = schedules(r, max);
        return new Autoscale(min, max, concurrency, rps, cpu, p95, stable, panic, panicThreshold, tolerance,
                upStabilization, downStabilization, upStep, downStep, warmup, toZero, held, holdTimeout, schedules);
    }

    private static List<Autoscale.Schedule> schedules(NodeReader r, int max) {
        List<Autoscale.Schedule> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (NodeReader s : r.objects("schedules", SCHEDULE_FIELDS)) {
            String name = s.requiredString("name");
            if (name != null && names.contains(name)) {
                s.error("name", "duplicate schedule name \"" + name + "\"");
            }
            names.add(name);
            String cron = s.requiredString("cron");
            if (cron != null) {
                String problem = CronWindows.cronProblem(cron);
                if (problem != null) {
                    s.error("cron", problem);
                }
            }
            String zone = s.string("timeZone");
            if (zone == null) {
                zone = "UTC";
            } else if (CronWindows.zoneProblem(zone) != null) {
                s.error("timeZone", CronWindows.zoneProblem(zone));
            }
            int minutes = Fields.requiredInteger(s, "durationMinutes", 60, between(1, 366 * 24 * 60));
            int minReplicas = Fields.requiredInteger(s, "minReplicas", 1, between(0, max));
            out.add(new Autoscale.Schedule(name, cron, zone, minutes, minReplicas));
        }
        return out;
    }

    /** Instances per decision: an integer >= 1 or a percentage of the current count up to 100000%. */
    private static String step(NodeReader r, String field, String dflt) {
        String v = Fields.intOrPercent(r, field, dflt, MAX_STEP_PERCENT);
        if (v != null && v.replace("%", "").equals("0")) {
            r.error(field, "must be more than 0, got " + v);
        }
        return v;
    }

    private static DoubleFunction<String> positiveOrOff() {
        return d -> d < 0 ? "must be > 0 (or 0: off)" : null;
    }
}
