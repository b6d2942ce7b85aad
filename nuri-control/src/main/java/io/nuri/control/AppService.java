package io.nuri.control;

import io.nuri.api.codec.Json;
import io.nuri.api.codec.SpecDecoder;
import io.nuri.api.codec.SpecError;
import io.nuri.api.codec.SpecException;
import io.nuri.api.model.Event;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import io.nuri.api.spec.App;
import io.nuri.api.spec.Autoscale;
import io.nuri.api.spec.RevisionTemplate;
import io.nuri.api.spec.RunSpec;
import io.nuri.store.ConflictException;
import io.nuri.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * Changes desired state: apply, scale, delete. Only writes the store; the controller notices
 * the change and acts. Every operation is all-or-nothing.
 */
public final class AppService {
    /** One line of an apply's answer. */
    public record ApplyResult(String namespace, String name, String action, int revision) {}

    private final Store store;
    private final ArtifactStore artifacts;
    private final Clock clock;

    public AppService(Store store, ArtifactStore artifacts, Clock clock) {
        this.store = store;
        this.artifacts = artifacts;
        this.clock = clock;
    }

    /**
     * Decodes, checks and stores every app of one file. Nothing is stored when any document
     * is invalid, any jar is missing, or (with {@code dryRun}) at all.
     */
    public List<ApplyResult> apply(String fileName, String text, Path baseDir, boolean dryRun) throws SpecException {
        List<App> apps = SpecDecoder.decode(fileName, text, baseDir);
        List<SpecError> missing = new ArrayList<>(SpecDecoder.checkFiles(fileName, apps));
        missing.addAll(RouteConflicts.check(fileName, apps, store.apps()));
        if (!missing.isEmpty()) {
            throw new SpecException(missing);
        }
        List<RevisionTemplate> templates = new ArrayList<>();
        for (int i = 0; i < apps.size(); i++) {
            templates.add(immutableTemplate(fileName, i, apps.get(i)));
        }
        try {
            return store.write(tx -> {
                List<ApplyResult> results = new ArrayList<>();
                for (int i = 0; i < apps.size(); i++) {
                    results.add(applyOne(tx, apps.get(i), templates.get(i)));
                }
                if (dryRun) {
                    throw new DryRun(results); // rolls the transaction back
                }
                return results;
            });
        } catch (DryRun d) {
            return d.results.stream()
                    .map(r -> new ApplyResult(r.namespace(), r.name(), r.action(), r.revision()))
                    .toList();
        }
    }

    private ApplyResult applyOne(Store.Tx tx, App applied, RevisionTemplate template) {
        Optional<StoredApp> existing = tx.app(applied.namespace(), applied.name());
        // A paused rollout stays paused until `rollout resume`: apply of a file that does not say
        // `paused: true` must not roll out what the operator held back.
        App held = existing.filter(e -> e.app().spec().rollout().paused() && !applied.spec().rollout().paused())
                .map(e -> applied.withSpec(applied.spec().withRollout(
                        RolloutService.withPaused(applied.spec().rollout(), true))))
                .orElse(applied);
        // An autoscaled app keeps the count the autoscaler reached, within the new bounds: applying
        // the same file again must not reset it (the file has no replicas to say otherwise).
        Autoscale autoscale = held.spec().autoscale();
        App app = autoscale == null || existing.isEmpty() ? held
                : held.withSpec(held.spec().withReplicas(autoscale.clamp(existing.get().app().spec().replicas())));
        Instant now = clock.instant();
        if (existing.isPresent() && existing.get().deleting()) {
            throw new ConflictException("app " + app.key() + " is being deleted; apply again once it is gone");
        }
        List<Revision> revisions = tx.revisions(app.namespace(), app.name());
        Optional<Revision> current = existing.flatMap(e -> revisions.stream()
                .filter(r -> r.number() == e.revision()).findFirst());
        boolean newRevision = current.isEmpty() || !current.get().template().equals(template);
        int revision = newRevision ? revisions.stream().mapToInt(Revision::number).max().orElse(0) + 1
                : current.get().number();
        Runnable storeRevision = () -> {
            if (newRevision) {
                String hash = ArtifactStore.sha256(Json.write(template)).substring(0, 10);
                tx.putRevision(new Revision(app.namespace(), app.name(), revision, hash, template, now),
                        ChangeCause.of(current.map(Revision::template).orElse(null), template));
            }
        };
        if (existing.isEmpty()) {
            tx.putApp(new StoredApp(app, 0, 0, revision, false, now, now), 0);
            storeRevision.run(); // after the app: a revision belongs to a stored app
            tx.appendEvent(Event.normal(app.namespace(), app.name(), null, "Created",
                    "app " + app.key() + " created at revision " + revision + " with " + app.spec().replicas()
                            + " replicas"));
            return new ApplyResult(app.namespace(), app.name(), "created", revision);
        }
        StoredApp old = existing.get();
        if (old.app().equals(app) && old.revision() == revision) {
            return new ApplyResult(app.namespace(), app.name(), "unchanged", revision);
        }
        tx.putApp(new StoredApp(app, old.version(), old.generation(), revision, false, old.createdAt(), now),
                old.version());
        storeRevision.run();
        String what = old.revision() == revision ? "spec updated" : "new revision " + revision + " (was " + old.revision() + ")";
        tx.appendEvent(Event.normal(app.namespace(), app.name(), null, "Updated", "app " + app.key() + ": " + what));
        return new ApplyResult(app.namespace(), app.name(), "configured", revision);
    }

    /** The app's template with its jar replaced by the content-addressed copy. */
    private RevisionTemplate immutableTemplate(String fileName, int index, App app) throws SpecException {
        RevisionTemplate t = app.spec().template();
        RunSpec run = t.run();
        if (!run.isJar()) {
            return t;
        }
        try {
            Path copy = artifacts.importJar(Path.of(run.jar()));
            RunSpec pinned = new RunSpec(copy.toString(), run.command(), run.args(), run.javaOpts(), run.workingDir());
            return new RevisionTemplate(pinned, t.env(), t.port(), t.probes(), t.restartPolicy(), t.resources(), t.volumes());
        } catch (IOException e) {
            String doc = index == 0 ? "" : "[doc " + (index + 1) + "] ";
            throw new SpecException(List.of(new SpecError(fileName, doc + "spec.run.jar",
                    "cannot read " + run.jar() + ": " + e.getMessage())));
        }
    }

    /** Sets the replica count. */
    public StoredApp scale(String namespace, String name, int replicas) {
        if (replicas < 0 || replicas > 1000) {
            throw new IllegalArgumentException("replicas: must be between 0 and 1000, got " + replicas);
        }
        return store.write(tx -> {
            StoredApp app = requireApp(tx, namespace, name);
            Autoscale autoscale = app.app().spec().autoscale();
            if (autoscale != null) {
                throw new ConflictException("app " + app.key() + " is autoscaled between " + autoscale.minReplicas()
                        + " and " + autoscale.maxReplicas() + " replicas; change spec.autoscale.minReplicas or"
                        + " maxReplicas (or remove spec.autoscale) instead of scaling by hand");
            }
            int from = app.app().spec().replicas();
            if (from == replicas) {
                return app;
            }
            App scaled = app.app().withSpec(app.app().spec().withReplicas(replicas));
            StoredApp saved = tx.putApp(new StoredApp(scaled, app.version(), app.generation(), app.revision(), false,
                    app.createdAt(), clock.instant()), app.version());
            tx.appendEvent(Event.normal(namespace, name, null, "Scaled",
                    "app " + app.key() + " scaled from " + from + " to " + replicas + " replicas"));
            return saved;
        });
    }

    /** Marks the app for deletion; the controller stops its instances and then removes it. */
    public StoredApp delete(String namespace, String name) {
        return store.write(tx -> {
            StoredApp app = requireApp(tx, namespace, name);
            if (app.deleting()) {
                return app;
            }
            StoredApp saved = tx.putApp(new StoredApp(app.app(), app.version(), app.generation(), app.revision(), true,
                    app.createdAt(), clock.instant()), app.version());
            tx.appendEvent(Event.normal(namespace, name, null, "Deleting",
                    "app " + app.key() + " deleted; stopping its instances"));
            return saved;
        });
    }

    private static StoredApp requireApp(Store.Tx tx, String namespace, String name) {
        StoredApp app = tx.app(namespace, name).orElse(null);
        if (app == null) {
            throw new NoSuchElementException("app \"" + name + "\" not found in namespace \"" + namespace + "\"");
        }
        return app;
    }

    /** Carries a dry run's answer out of the transaction it rolled back. */
    private static final class DryRun extends RuntimeException {
        final List<ApplyResult> results;

        DryRun(List<ApplyResult> results) {
            super(null, null, false, false);
            this.results = results;
        }
    }
}
