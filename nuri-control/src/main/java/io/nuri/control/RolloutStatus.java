package io.nuri.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.StoredApp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Where an app's rollout stands: what the controller persists per app (store table
 * {@code rollouts}, as JSON) and what {@code GET .../rollout} answers.
 *
 * <p>A rollout starts when the app's current revision changes (apply of a new template, undo,
 * automatic rollback). It is Complete when every instance runs the current revision and is
 * available; Failed when the new revision made no progress for {@code progressDeadlineSeconds};
 * RolledBack when it failed and the controller pointed the app back at the last complete
 * revision; Paused while {@code spec.rollout.paused} is set; Canary while one instance of the new
 * revision gets a share of the traffic for the window of {@code spec.rollout.canary} (a failed
 * canary is Failed or RolledBack like a failed deadline).
 *
 * @param revision the revision being rolled out (the app's current revision once observed)
 * @param fromRevision the revision that was current before this rollout started (0: none)
 * @param lastCompleteRevision the newest revision whose rollout completed: the target of an
 *     automatic rollback (0: none yet)
 * @param startedAt when this rollout started
 * @param progressAt the last time it made progress (a new instance started or became
 *     available); the progress deadline counts from here, as in Kubernetes
 * @param finishedAt when it became Complete, Failed or RolledBack
 * @param replicas desired instances
 * @param updatedReplicas instances of {@code revision} (not Terminating)
 * @param readyReplicas Ready instances of {@code revision}
 * @param availableReplicas instances of {@code revision} Ready for at least minReadySeconds
 * @param totalReplicas instances of every revision (not Terminating)
 * @param message why it is in this phase, in words
 * @param history the rollout log, oldest first, at most {@link #HISTORY} entries
 * @param canary the canary step of this rollout (null: none): see {@link CanaryStatus}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutStatus(Phase phase, int revision, int fromRevision, int lastCompleteRevision,
        Instant startedAt, Instant progressAt, Instant finishedAt, int replicas, int updatedReplicas,
        int readyReplicas, int availableReplicas, int totalReplicas, String message, List<Entry> history,
        CanaryStatus canary) {

    static final int HISTORY = 20;

    public enum Phase {
        Progressing, Complete, Failed, RolledBack, Paused,
        /** One instance of the new revision gets a share of the traffic while its window lasts. */
        Canary;

        /** Complete, Failed and RolledBack end a rollout; only a new revision starts another. */
        public boolean finished() {
            return this == Complete || this == Failed || this == RolledBack;
        }
    }

    /** One rollout of the log: which revision, from which, why, and how it ended (null: not yet). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(int revision, int fromRevision, String cause, Instant startedAt, Instant finishedAt,
            Phase result, String message) {}

    /**
     * The canary step of a rollout ({@code spec.rollout.canary}). While it is {@link #inEffect}
     * the controller keeps exactly one instance of the new revision next to the old ones and the
     * endpoint registry gives that instance {@code weightPercent} of the app's endpoint weight.
     *
     * @param weightPercent share of the app's requests for the canary
     * @param durationSeconds length of the window
     * @param startedAt when the canary instance was Ready and the window started (null: not yet)
     * @param passed null while undecided; then whether it passed
     * @param figures requests, error rate and p95 seen, in words, once decided
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CanaryStatus(int weightPercent, int durationSeconds, Instant startedAt, Boolean passed,
            String figures) {
        /** Until it passed, the canary limits the rollout to one new instance (a failed one too). */
        public boolean inEffect() {
            return !Boolean.TRUE.equals(passed);
        }

        /** When the window ends; null before it started. */
        public Instant endsAt() {
            return startedAt == null ? null : startedAt.plusSeconds(durationSeconds);
        }

        CanaryStatus started(Instant at) {
            return new CanaryStatus(weightPercent, durationSeconds, at, null, null);
        }

        CanaryStatus decided(boolean ok, String figures) {
            return new CanaryStatus(weightPercent, durationSeconds, startedAt, ok, figures);
        }
    }

    public RolloutStatus {
        history = history == null ? List.of() : List.copyOf(history);
    }

    /** Instance counts of one app as a rollout sees them. */
    record Counts(int replicas, int updated, int ready, int available, int total, int oldCount,
            Instant nextAvailableAt, String lastFailure) {
        boolean complete() {
            return updated == replicas && available == replicas && oldCount == 0;
        }
    }

    /**
     * Counts {@code instances} of {@code app} against its current revision at {@code now}.
     * {@code nextAvailableAt} is the earliest moment a Ready instance of any revision becomes
     * available (null: none is waiting), so the controller can requeue exactly then.
     */
    static Counts count(StoredApp app, List<Instance> instances, Instant now) {
        Duration minReady = Duration.ofSeconds(app.app().spec().rollout().minReadySeconds());
        int updated = 0;
        int ready = 0;
        int available = 0;
        int total = 0;
        Instant next = null;
        String lastFailure = null;
        Instant lastFailureAt = null;
        for (Instance i : instances) {
            if (i.state() == InstanceState.Terminating || i.state() == InstanceState.Succeeded) {
                continue;
            }
            total++;
            Instant availableAt = availableAt(i, minReady);
            if (availableAt != null && availableAt.isAfter(now) && (next == null || availableAt.isBefore(next))) {
                next = availableAt;
            }
            if (i.revision() != app.revision()) {
                continue;
            }
            updated++;
            if (i.state() == InstanceState.Ready) {
                ready++;
                if (!availableAt.isAfter(now)) {
                    available++;
                }
            }
            Instant at = i.startedAt() != null ? i.startedAt() : i.createdAt();
            if (i.reason() != null && (lastFailureAt == null || at != null && at.isAfter(lastFailureAt))) {
                lastFailure = i.reason();
                lastFailureAt = at;
            }
        }
        return new Counts(app.app().spec().replicas(), updated, ready, available, total, total - updated, next,
                lastFailure);
    }

    /** When a Ready instance counts as available; null when it is not Ready. */
    static Instant availableAt(Instance i, Duration minReady) {
        if (i.state() != InstanceState.Ready) {
            return null;
        }
        Instant readyAt = i.readyAt() != null ? i.readyAt() : Instant.EPOCH;
        return readyAt.plus(minReady);
    }

    static boolean isAvailable(Instance i, Duration minReady, Instant now) {
        Instant at = availableAt(i, minReady);
        return at != null && !at.isAfter(now);
    }

    /** A new rollout of {@code revision}, following {@code previous} (null for the first). */
    static RolloutStatus start(RolloutStatus previous, int revision, String cause, Instant now) {
        int from = previous == null ? 0 : previous.revision;
        int lastComplete = previous == null ? 0 : previous.lastCompleteRevision;
        List<Entry> log = new ArrayList<>(previous == null ? List.of() : previous.history);
        if (!log.isEmpty() && log.getLast().result() == null) {
            Entry open = log.removeLast(); // superseded before it finished
            log.add(new Entry(open.revision(), open.fromRevision(), open.cause(), open.startedAt(), now, null,
                    "superseded by revision " + revision));
        }
        log.add(new Entry(revision, from, cause, now, null, null, null));
        return new RolloutStatus(Phase.Progressing, revision, from, lastComplete, now, now, null, 0, 0, 0, 0, 0,
                "rolling out revision " + revision + (from == 0 ? "" : " (was " + from + ")") + ": " + cause,
                trim(log), null);
    }

    RolloutStatus withCounts(Counts c) {
        return new RolloutStatus(phase, revision, fromRevision, lastCompleteRevision, startedAt, progressAt, finishedAt,
                c.replicas(), c.updated(), c.ready(), c.available(), c.total(), message, history, canary);
    }

    RolloutStatus withPhase(Phase p, String why, Instant now) {
        Instant finished = p.finished() ? now : null;
        Instant progress = p == Phase.Progressing && phase == Phase.Paused ? now : progressAt; // resume restarts the clock
        int lastComplete = p == Phase.Complete ? revision : lastCompleteRevision;
        List<Entry> log = history;
        boolean closing = !log.isEmpty() && log.getLast().revision() == revision && (log.getLast().result() == null
                || p == Phase.Complete && log.getLast().result() == Phase.Failed); // failed, then made it after all
        if (p.finished() && closing) {
            Entry open = log.getLast();
            log = new ArrayList<>(log.subList(0, log.size() - 1));
            log.add(new Entry(open.revision(), open.fromRevision(), open.cause(), open.startedAt(), now, p,
                    p == Phase.Complete ? null : why));
        }
        return new RolloutStatus(p, revision, fromRevision, lastComplete, startedAt, progress, finished, replicas,
                updatedReplicas, readyReplicas, availableReplicas, totalReplicas, why, log, canary);
    }

    RolloutStatus withProgressAt(Instant t) {
        return new RolloutStatus(phase, revision, fromRevision, lastCompleteRevision, startedAt, t, finishedAt, replicas,
                updatedReplicas, readyReplicas, availableReplicas, totalReplicas, message, history, canary);
    }

    RolloutStatus withCanary(CanaryStatus c, String why) {
        return new RolloutStatus(phase, revision, fromRevision, lastCompleteRevision, startedAt, progressAt, finishedAt,
                replicas, updatedReplicas, readyReplicas, availableReplicas, totalReplicas, why, history, c);
    }

    /** Whether this rollout (of the app's current revision) holds at one canary instance now. */
    boolean canaryInEffect() {
        return canary != null && canary.inEffect() && phase != Phase.RolledBack;
    }

    /**
     * After an automatic rollback: the app runs {@code target} again; the log gets the failed
     * rollout's end and the rollback as an entry of its own. A failed canary stays recorded (its
     * revision is {@code fromRevision} now), so its instance keeps only its share of the weight
     * until it is gone.
     */
    RolloutStatus rolledBack(int target, String why, Instant now) {
        RolloutStatus failed = withPhase(Phase.Failed, why, now);
        List<Entry> log = new ArrayList<>(failed.history);
        String message = "rolled back from revision " + revision + " to " + target + ": " + why;
        log.add(new Entry(target, revision, "automatic rollback to revision " + target, now, now, Phase.RolledBack,
                why));
        return new RolloutStatus(Phase.RolledBack, target, revision, lastCompleteRevision, now, now, now, replicas, 0, 0,
                0, totalReplicas, message, trim(log), canary == null ? null : canary.decided(false, null));
    }

    private static List<Entry> trim(List<Entry> log) {
        return log.size() <= HISTORY ? log : log.subList(log.size() - HISTORY, log.size());
    }
}
