package io.nuri.control;

import io.nuri.api.model.Event;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import io.nuri.api.spec.Rollout;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The canary phase of a rollout ({@code spec.rollout.canary}), as status transitions: planned
 * when a rollout starts next to older instances, started once the one canary instance is Ready,
 * judged at the end of its window (or early) on what the gateway saw ({@link CanaryMetrics}).
 * The rolling step starts the canary instance and holds the old ones while the canary is in
 * effect; a failed canary rolls back through {@link Rollback}, like a missed progress deadline.
 */
final class CanaryRollout {
    private static final Logger log = LoggerFactory.getLogger(AppController.class); // every path logs as the controller

    /** Fewest canary requests seen before a canary fails early, ahead of its window's end. */
    static final int CANARY_EARLY_MIN_REQUESTS = 20;

    private final CanaryMetrics canaryMetrics;
    private final Rollback rollback;
    private final Requeue requeue;

    CanaryRollout(CanaryMetrics canaryMetrics, Rollback rollback, Requeue requeue) {
        this.canaryMetrics = canaryMetrics;
        this.rollback = rollback;
        this.requeue = requeue;
    }

    /**
     * A rollout just started: with a canary in the spec, at least one replica and older
     * instances running, it starts with one canary instance. Not for a rollback: the revision
     * gone back to is a proven one.
     */
    static RolloutStatus plan(RolloutStatus st, Rollout spec, RolloutStatus.Counts counts, String cause) {
        Rollout.Canary canary = spec.canary();
        if (canary != null && counts.replicas() >= 1 && counts.oldCount() > 0
                && !cause.startsWith("rollback to revision")) {
            return st.withCanary(new RolloutStatus.CanaryStatus(canary.weightPercent(), canary.durationSeconds(),
                    null, null, null), st.message() + "; starting 1 canary instance first");
        }
        return st;
    }

    /** A planned canary whose instance is Ready (and not paused) enters the Canary phase: its window starts. */
    static RolloutStatus begin(StoredApp app, RolloutStatus st, RolloutStatus.Counts counts, List<Event> events,
            Instant now) {
        if (st.phase() == RolloutStatus.Phase.Progressing && st.canary() != null && st.canary().startedAt() == null
                && counts.ready() > 0 && !app.app().spec().rollout().paused()) {
            RolloutStatus.CanaryStatus c = st.canary();
            String message = "canary: 1 instance of revision " + st.revision() + " gets " + c.weightPercent()
                    + "% of traffic for " + c.durationSeconds() + " s";
            st = st.withPhase(RolloutStatus.Phase.Canary, message, now).withCanary(c.started(now), message);
            events.add(Event.normal(app.namespace(), app.name(), null, "CanaryStarted", message));
            log.info("app={} revision={} {}", app.key(), st.revision(), message);
        }
        return st;
    }

    /**
     * The canary window: at its end (a re-check is scheduled for exactly then) the canary passes
     * when its error rate and p95 are within bounds, and the rollout goes on; it fails earlier as
     * soon as at least {@value #CANARY_EARLY_MIN_REQUESTS} requests were seen and the error rate
     * is already over. A failed canary is rolled back like a failed progress deadline (or, without
     * autoRollback or a revision to go back to, the rollout is Failed and holds at the canary).
     * Returns the new status, or null when it rolled the app back.
     */
    RolloutStatus judge(StoredApp app, RolloutStatus st, Map<Integer, Revision> revisions, List<Event> events,
            Instant now) {
        Rollout spec = app.app().spec().rollout();
        RolloutStatus.CanaryStatus c = st.canary();
        Rollout.Canary bounds = spec.canary() != null ? spec.canary()
                : new Rollout.Canary(c.weightPercent(), c.durationSeconds(), 1, 0);
        Instant ends = c.endsAt();
        CanaryMetrics.Window w;
        try {
            w = canaryMetrics.stats(app.namespace(), app.name(), st.revision(), c.startedAt());
        } catch (RuntimeException e) {
            log.warn("app={} canary metrics unavailable ({}); judging on an empty window", app.key(), e.toString());
            w = CanaryMetrics.Window.EMPTY;
        }
        boolean errorsOver = w.errorRatePercent() > bounds.maxErrorRatePercent();
        boolean slow = bounds.maxP95Millis() > 0 && w.requests() > 0 && w.p95Millis() > bounds.maxP95Millis();
        boolean over = !now.isBefore(ends);
        if (!over && !(errorsOver && w.requests() >= CANARY_EARLY_MIN_REQUESTS)) {
            requeue.at(app.key(), ends);
            return st;
        }
        String after = Seconds.of(Duration.between(c.startedAt(), now).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        String figures = figures(w, bounds);
        if (over && !errorsOver && !slow) {
            String message = "canary of revision " + st.revision() + " passed after " + after + ": " + figures;
            st = st.withPhase(RolloutStatus.Phase.Progressing, message, now).withCanary(c.decided(true, figures), message)
                    .withProgressAt(now);
            events.add(Event.normal(app.namespace(), app.name(), null, "CanaryPassed", message));
            log.info("app={} revision={} {}", app.key(), st.revision(), message);
            return st;
        }
        String why = "canary of revision " + st.revision() + " failed after " + after + ": " + figures;
        Event failed = Event.warning(app.namespace(), app.name(), null, "CanaryFailed", why);
        log.warn("app={} revision={} {}", app.key(), st.revision(), why);
        Optional<Revision> target = Rollback.target(app, st, revisions);
        if (target.isPresent()) {
            return rollback.rollBack(app, st, target.get(), why, now, failed) ? null : st;
        }
        String message = spec.autoRollback() ? why + "; no complete revision to roll back to" : why;
        st = st.withPhase(RolloutStatus.Phase.Failed, message, now).withCanary(c.decided(false, figures), message);
        events.add(failed);
        events.add(Event.warning(app.namespace(), app.name(), null, "RolloutFailed", message));
        return st;
    }

    /** "240 requests, 0.4% errors (max 1%), p95 12 ms (max 200 ms)", or "no requests seen (...)". */
    static String figures(CanaryMetrics.Window w, Rollout.Canary bounds) {
        String maxErrors = "max " + number(bounds.maxErrorRatePercent()) + "%";
        String maxP95 = bounds.maxP95Millis() > 0 ? " (max " + number(bounds.maxP95Millis()) + " ms)" : "";
        if (w.requests() == 0) {
            return "no requests seen, nothing to judge (errors " + maxErrors + (maxP95.isEmpty() ? "" : ", p95" + maxP95)
                    + ")";
        }
        return w.requests() + (w.requests() == 1 ? " request, " : " requests, ")
                + String.format(java.util.Locale.ROOT, "%.1f", w.errorRatePercent()) + "% errors (" + maxErrors
                + "), p95 " + number(Math.round(w.p95Millis() * 10) / 10.0) + " ms" + maxP95;
    }

    private static String number(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
