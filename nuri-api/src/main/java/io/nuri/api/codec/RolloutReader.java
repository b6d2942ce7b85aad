package io.nuri.api.codec;

import static io.nuri.api.codec.NodeReader.between;
import static io.nuri.api.codec.SpecDecoder.MAX_ROLLOUT_SECONDS;
import static io.nuri.api.codec.SpecDecoder.MAX_TRAFFIC_SECONDS;

import io.nuri.api.spec.IntOrPercent;
import io.nuri.api.spec.Rollout;
import java.util.List;

/** Reads {@code spec.rollout}: surge and unavailability, deadlines, history, an optional canary. */
final class RolloutReader {
    static final List<String> FIELDS = List.of("maxSurge", "maxUnavailable", "minReadySeconds",
            "progressDeadlineSeconds", "revisionHistoryLimit", "paused", "autoRollback", "canary");
    static final List<String> CANARY_FIELDS =
            List.of("weightPercent", "durationSeconds", "maxErrorRatePercent", "maxP95Millis");

    private RolloutReader() {}

    static Rollout read(NodeReader r) {
        Rollout d = Rollout.DEFAULTS;
        if (r == null) {
            return d;
        }
        String surge = Fields.intOrPercent(r, "maxSurge", d.maxSurge());
        String unavailable = Fields.intOrPercent(r, "maxUnavailable", d.maxUnavailable());
        if (surge != null && unavailable != null && IntOrPercent.isZero(surge) && IntOrPercent.isZero(unavailable)) {
            r.error("maxSurge and maxUnavailable cannot both be 0");
        }
        int before = r.problemCount();
        int minReady = r.integer("minReadySeconds", d.minReadySeconds(), between(0, MAX_TRAFFIC_SECONDS));
        int deadline = r.integer("progressDeadlineSeconds", d.progressDeadlineSeconds(), between(1, MAX_ROLLOUT_SECONDS));
        if (r.problemCount() == before && deadline <= minReady) {
            r.error("progressDeadlineSeconds", "must be > minReadySeconds (" + minReady + "), got " + deadline
                    + (r.has("progressDeadlineSeconds") ? "" : " (the default)"));
        }
        int history = r.integer("revisionHistoryLimit", d.revisionHistoryLimit(), between(0, 100));
        boolean paused = r.bool("paused", d.paused());
        boolean autoRollback = r.bool("autoRollback", d.autoRollback());
        Rollout.Canary canary = canary(r.object("canary", CANARY_FIELDS));
        return new Rollout(surge, unavailable, minReady, deadline, history, paused, autoRollback, canary);
    }

    private static Rollout.Canary canary(NodeReader r) {
        if (r == null) {
            return null;
        }
        int weight = Fields.requiredInteger(r, "weightPercent", 0, between(1, 99));
        int duration = Fields.requiredInteger(r, "durationSeconds", 0, between(1, MAX_ROLLOUT_SECONDS));
        double maxErrorRate = r.number("maxErrorRatePercent", 1, Fields.numberBetween(0, 100));
        double maxP95 = r.number("maxP95Millis", 0, d -> d < 0 ? "must be >= 0" : null);
        return new Rollout.Canary(weight, duration, maxErrorRate, maxP95);
    }
}
