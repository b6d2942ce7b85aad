package io.nuri.control;

import io.nuri.api.codec.Json;
import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import io.nuri.api.spec.AppSpec;
import io.nuri.api.spec.RevisionTemplate;
import io.nuri.api.spec.Rollout;
import io.nuri.store.ConflictException;
import io.nuri.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The rollout commands of the API: status, history, pause, resume, undo. Like {@link AppService}
 * it only writes desired state (the app's revision and {@code spec.rollout.paused}); the
 * controller notices and acts.
 *
 * <h2>Undo and rollback point the app at the old revision</h2>
 * A revision is immutable and keeps its number for life. Undo (and the controller's automatic
 * rollback) makes an existing revision current again, and copies its template back into the
 * stored spec (so {@code describe} shows what runs, with the pinned jar). No new number: the
 * instances that already run the target revision stay as they are and simply count as current
 * again, so a rollback restarts nothing that is healthy. The rollout log in {@link RolloutStatus}
 * records each such switch ("rollback to revision 2"); {@code rollout history} shows both.
 */
public final class RolloutService {
    /** What {@code GET .../rollout} answers. */
    public record View(String namespace, String name, RolloutStatus.Phase phase, int revision, int fromRevision,
            int lastCompleteRevision, boolean paused, int replicas, int updatedReplicas, int readyReplicas,
            int availableReplicas, int totalReplicas, Instant startedAt, Instant progressAt, Instant deadline,
            Instant finishedAt, String message, RolloutStatus.CanaryStatus canary) {}

    /** One revision in {@code rollout history}. */
    public record RevisionInfo(int revision, Instant createdAt, String hash, String artifact, String cause,
            boolean current, long instances) {}

    /** What {@code GET .../rollout/history} answers: revisions oldest first, then the rollout log. */
    public record History(String namespace, String name, int current, List<RevisionInfo> revisions,
            List<RolloutStatus.Entry> rollouts) {}

    /** What an undo did: {@code action} is "rolled back" or "unchanged". */
    public record UndoResult(String namespace, String name, int revision, int fromRevision, String action) {}

    private final Store store;
    private final Clock clock;

    public RolloutService(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Where the rollout stands, with counts read now (not only as the controller last wrote them). */
    public View status(String namespace, String name) {
        StoredApp app = requireApp(store.app(namespace, name), namespace, name);
        Instant now = clock.instant();
        RolloutStatus.Counts c = RolloutStatus.count(app, store.instances(namespace, name), now);
        Rollout spec = app.app().spec().rollout();
        RolloutStatus st = read(store.rolloutStatus(namespace, name));
        if (st == null || st.revision() != app.revision()) {
            return new View(namespace, name, spec.paused() ? RolloutStatus.Phase.Paused : RolloutStatus.Phase.Progressing,
                    app.revision(), st == null ? 0 : st.revision(), st == null ? 0 : st.lastCompleteRevision(),
                    spec.paused(), c.replicas(), c.updated(), c.ready(), c.available(), c.total(), null, null, null, null,
                    "waiting for the controller to start rolling out revision " + app.revision(), null);
        }
        RolloutStatus.Phase phase = st.phase();
        String message = st.message();
        if (spec.paused() && phase == RolloutStatus.Phase.Progressing) {
            phase = RolloutStatus.Phase.Paused;
            message = "paused";
        } else if (!spec.paused() && phase == RolloutStatus.Phase.Paused) {
            phase = RolloutStatus.Phase.Progressing;
            message = "resuming";
        }
        Instant deadline = phase == RolloutStatus.Phase.Progressing && st.progressAt() != null
                ? st.progressAt().plusSeconds(spec.progressDeadlineSeconds()) : null;
        return new View(namespace, name, phase, st.revision(), st.fromRevision(), st.lastCompleteRevision(),
                spec.paused(), c.replicas(), c.updated(), c.ready(), c.available(), c.total(), st.startedAt(),
                st.progressAt(), deadline, st.finishedAt(), message, st.canary());
    }

    /** Revisions with why each was made, and the rollout log. */
    public History history(String namespace, String name) {
        StoredApp app = requireApp(store.app(namespace, name), namespace, name);
        Map<Integer, String> causes = store.revisionCauses(namespace, name);
        List<Instance> instances = store.instances(namespace, name);
        List<RevisionInfo> revisions = store.revisions(namespace, name).stream()
                .map(r -> new RevisionInfo(r.number(), r.createdAt(), r.hash(),
                        r.template().run().jar() == null ? null : ChangeCause.artifact(r.template().run().jar()),
                        causes.get(r.number()), r.number() == app.revision(),
                        instances.stream().filter(i -> i.revision() == r.number() && i.state().isLive()).count()))
                .toList();
        RolloutStatus st = read(store.rolloutStatus(namespace, name));
        return new History(namespace, name, app.revision(), revisions, st == null ? List.of() : st.history());
    }

    /** Sets {@code spec.rollout.paused}: the app keeps its instances; new revisions wait for resume. */
    public StoredApp pause(String namespace, String name) {
        return setPaused(namespace, name, true);
    }

    /** Clears {@code spec.rollout.paused}: the current revision rolls out (its deadline starts now). */
    public StoredApp resume(String namespace, String name) {
        return setPaused(namespace, name, false);
    }

    private StoredApp setPaused(String namespace, String name, boolean paused) {
        return store.write(tx -> {
            StoredApp app = requireApp(tx.app(namespace, name), namespace, name);
            if (app.deleting()) {
                throw new ConflictException("app " + app.key() + " is being deleted");
            }
            Rollout r = app.app().spec().rollout();
            if (r.paused() == paused) {
                return app;
            }
            AppSpec spec = app.app().spec().withRollout(withPaused(r, paused));
            StoredApp saved = tx.putApp(new StoredApp(app.app().withSpec(spec), app.version(), app.generation(),
                    app.revision(), false, app.createdAt(), clock.instant()), app.version());
            tx.appendEvent(Event.normal(namespace, name, null, paused ? "Paused" : "Resumed",
                    "rollout of app " + app.key() + (paused ? " paused" : " resumed") + " at revision " + app.revision()));
            return saved;
        });
    }

    /**
     * Makes {@code toRevision} (null: the previous revision) current again: its template, its
     * pinned artifact. The previous revision is the newest one, other than the current, whose
     * rollout completed; failing that, the highest number below the current one.
     */
    public UndoResult undo(String namespace, String name, Integer toRevision) {
        RolloutStatus st = read(store.rolloutStatus(namespace, name));
        return store.write(tx -> {
            StoredApp app = requireApp(tx.app(namespace, name), namespace, name);
            if (app.deleting()) {
                throw new ConflictException("app " + app.key() + " is being deleted");
            }
            List<Revision> revisions = tx.revisions(namespace, name);
            Revision target;
            if (toRevision != null) {
                target = revisions.stream().filter(r -> r.number() == toRevision).findFirst()
                        .orElseThrow(() -> new NoSuchElementException("revision " + toRevision + " of app " + app.key()
                                + " not found (kept: " + String.join(", ", revisions.stream()
                                        .map(r -> String.valueOf(r.number())).toList()) + ")"));
            } else {
                target = previous(app, revisions, st).orElseThrow(() -> new ConflictException(
                        "app " + app.key() + " has no previous revision to roll back to"));
            }
            if (target.number() == app.revision()) {
                return new UndoResult(namespace, name, app.revision(), app.revision(), "unchanged");
            }
            Instant now = clock.instant();
            pointAt(tx, app, target, now);
            tx.appendEvent(Event.normal(namespace, name, null, "Undo", "app " + app.key() + ": rollback to revision "
                    + target.number() + " (was " + app.revision() + ")"));
            return new UndoResult(namespace, name, target.number(), app.revision(), "rolled back");
        });
    }

    private static Optional<Revision> previous(StoredApp app, List<Revision> revisions, RolloutStatus st) {
        if (st != null) {
            for (RolloutStatus.Entry e : st.history().reversed()) {
                if (e.revision() != app.revision() && e.result() == RolloutStatus.Phase.Complete) {
                    Optional<Revision> r = revisions.stream().filter(x -> x.number() == e.revision()).findFirst();
                    if (r.isPresent()) {
                        return r;
                    }
                }
            }
        }
        return revisions.stream().filter(r -> r.number() < app.revision()).max(Comparator.comparingInt(Revision::number));
    }

    /**
     * Points {@code app} at {@code target} within {@code tx}: the revision number and the template
     * fields of the spec (run with the pinned artifact, env, port, probes, restart policy,
     * resources, volumes); replicas, routes, traffic and rollout settings stay.
     */
    static StoredApp pointAt(Store.Tx tx, StoredApp app, Revision target, Instant now) {
        AppSpec s = app.app().spec();
        RevisionTemplate t = target.template();
        AppSpec spec = s.withTemplate(t);
        return tx.putApp(new StoredApp(app.app().withSpec(spec), app.version(), app.generation(), target.number(), false,
                app.createdAt(), now), app.version());
    }

    static Rollout withPaused(Rollout r, boolean paused) {
        return new Rollout(r.maxSurge(), r.maxUnavailable(), r.minReadySeconds(), r.progressDeadlineSeconds(),
                r.revisionHistoryLimit(), paused, r.autoRollback(), r.canary());
    }

    static RolloutStatus read(Optional<String> json) {
        return json.map(j -> Json.read(j, RolloutStatus.class)).orElse(null);
    }

    private static StoredApp requireApp(Optional<StoredApp> app, String namespace, String name) {
        return app.orElseThrow(() -> new NoSuchElementException(
                "app \"" + name + "\" not found in namespace \"" + namespace + "\""));
    }
}
