package io.nuri.control;

import io.nuri.api.codec.Json;
import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import io.nuri.api.spec.Rollout;
import io.nuri.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persisted rollout status ({@code progress.go}): computed from the app, its instances and
 * the status read back, written only when it changed. The canary phase is {@link CanaryRollout}'s,
 * going back is {@link Rollback}'s. It never starts or stops a process: the rolling step acts on
 * the status this returns.
 */
final class RolloutProgress {
    private static final Logger log = LoggerFactory.getLogger(AppController.class); // every path logs as the controller

    private final Store store;
    private final Clock clock;
    private final CanaryRollout canary;
    private final Rollback rollback;
    private final Requeue requeue;

    RolloutProgress(Store store, Clock clock, CanaryRollout canary, Rollback rollback, Requeue requeue) {
        this.store = store;
        this.clock = clock;
        this.canary = canary;
        this.rollback = rollback;
        this.requeue = requeue;
    }

    /**
     * Brings the persisted rollout status up to what is observed: starts a rollout when the
     * app's revision changed, pauses and resumes it, marks it Complete, and at its progress
     * deadline marks it Failed and (with autoRollback) points the app back at the last complete
     * revision. Writes only when something changed; events only with a successful write.
     * Returns the status, or null when it rolled the app back (the pass ends there).
     */
    RolloutStatus sync(StoredApp app, List<Instance> instances, Map<Integer, Revision> revisions) {
        Instant now = clock.instant();
        Rollout spec = app.app().spec().rollout();
        RolloutStatus stored = RolloutService.read(store.rolloutStatus(app.namespace(), app.name()));
        RolloutStatus.Counts counts = RolloutStatus.count(app, instances, now);
        if (counts.nextAvailableAt() != null) {
            requeue.at(app.key(), counts.nextAvailableAt()); // minReadySeconds ends: re-check then
        }
        List<Event> events = new ArrayList<>();
        RolloutStatus st = stored;
        if (st == null || st.revision() != app.revision()) {
            String cause = rolloutCause(app, st, revisions);
            st = CanaryRollout.plan(RolloutStatus.start(st, app.revision(), cause, now), spec, counts, cause);
            events.add(Event.normal(app.namespace(), app.name(), null, "RolloutStarted", st.message()));
        }
        boolean progressed = counts.updated() > st.updatedReplicas() || counts.available() > st.availableReplicas();
        st = st.withCounts(counts);
        if (spec.paused() && st.phase() == RolloutStatus.Phase.Progressing) {
            st = st.withPhase(RolloutStatus.Phase.Paused, "paused at " + counts.updated() + " of " + counts.replicas()
                    + " updated", now);
        } else if (!spec.paused() && st.phase() == RolloutStatus.Phase.Paused) {
            st = st.withPhase(RolloutStatus.Phase.Progressing, "resumed rolling out revision " + st.revision(), now);
        } else if (st.phase() == RolloutStatus.Phase.Progressing && progressed) {
            st = st.withProgressAt(now);
        }
        if (st.phase() == RolloutStatus.Phase.Failed && counts.complete()) {
            // Failed without a rollback (a first rollout, or autoRollback off) and yet it made it.
            st = st.withPhase(RolloutStatus.Phase.Progressing, "revision " + st.revision() + " became available", now);
        }
        st = CanaryRollout.begin(app, st, counts, events, now);
        if (st.phase() == RolloutStatus.Phase.Canary) {
            RolloutStatus judged = canary.judge(app, st, revisions, events, now);
            if (judged == null) {
                return null; // rolled back
            }
            st = judged;
        }
        if (st.phase() == RolloutStatus.Phase.Progressing) {
            if (counts.complete()) {
                String took = Seconds.of(Duration.between(st.startedAt(), now)
                        .truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
                st = st.withPhase(RolloutStatus.Phase.Complete, "revision " + st.revision() + " rolled out: "
                        + counts.available() + "/" + counts.replicas() + " available after " + took, now);
                events.add(Event.normal(app.namespace(), app.name(), null, "RolloutComplete", st.message()));
                log.info("app={} revision={} {}", app.key(), st.revision(), st.message());
            } else {
                Instant deadline = st.progressAt().plusSeconds(spec.progressDeadlineSeconds());
                if (now.isBefore(deadline)) {
                    requeue.at(app.key(), deadline); // progress.go requeueStuckDeployment: exactly at the deadline
                } else {
                    String why = failure(st, counts, spec, now);
                    Optional<Revision> target = Rollback.target(app, st, revisions);
                    if (target.isPresent()) {
                        if (rollback.rollBack(app, st, target.get(), why, now)) {
                            return null;
                        }
                        return st; // the app changed meanwhile: the next pass sees the new state
                    }
                    String message = spec.autoRollback() ? why + "; no complete revision to roll back to" : why;
                    st = st.withPhase(RolloutStatus.Phase.Failed, message, now);
                    events.add(Event.warning(app.namespace(), app.name(), null, "RolloutFailed", message));
                    log.warn("app={} revision={} rollout failed: {}", app.key(), st.revision(), message);
                }
            }
        }
        if (!st.equals(stored)) {
            RolloutStatus write = st;
            store.write(tx -> {
                tx.putRolloutStatus(app.namespace(), app.name(), Json.write(write));
                events.forEach(tx::appendEvent);
                return null;
            });
        }
        return st;
    }

    /**
     * "revision 3 not available after 120 s: 0/4 ready; last: exit code 1" when no instance of it
     * ever became available, else "revision 3 made no progress for 120 s: 2/4 available; ...".
     */
    private static String failure(RolloutStatus st, RolloutStatus.Counts c, Rollout spec, Instant now) {
        String last = c.lastFailure() == null ? "" : "; last: " + c.lastFailure();
        if (c.available() == 0) {
            long after = Math.round(Duration.between(st.startedAt(), now).toMillis() / 1000.0);
            return "revision " + st.revision() + " not available after " + after + " s: " + c.ready() + "/"
                    + c.replicas() + " ready" + last;
        }
        return "revision " + st.revision() + " made no progress for " + spec.progressDeadlineSeconds() + " s: "
                + c.available() + "/" + c.replicas() + " available" + last;
    }

    /** Why a rollout of the app's current revision starts: the revision's cause, or a rollback. */
    private String rolloutCause(StoredApp app, RolloutStatus previous, Map<Integer, Revision> revisions) {
        String cause = store.revisionCauses(app.namespace(), app.name()).get(app.revision());
        Revision rev = revisions.get(app.revision());
        boolean madeSince = previous == null || rev == null || rev.createdAt() == null
                || previous.startedAt() == null || rev.createdAt().isAfter(previous.startedAt());
        if (madeSince) {
            return cause != null ? cause : previous == null ? ChangeCause.CREATED : "new revision";
        }
        return "rollback to revision " + app.revision();
    }
}
