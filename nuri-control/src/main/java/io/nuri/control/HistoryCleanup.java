package io.nuri.control;

import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import io.nuri.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revision history and artifact garbage collection ({@code cleanupDeployment}): old revisions
 * beyond {@code revisionHistoryLimit} once a rollout has finished, then the artifacts no revision
 * of any app references any more. Also swept after an app is deleted and at controller start.
 */
final class HistoryCleanup {
    private static final Logger log = LoggerFactory.getLogger(AppController.class); // every path logs as the controller

    private final Store store;
    private final ArtifactStore artifacts;
    private final Duration artifactGrace;

    /** @param artifactGrace an unreferenced artifact younger than this is kept (an apply may be about to commit it) */
    HistoryCleanup(Store store, ArtifactStore artifacts, Duration artifactGrace) {
        this.store = store;
        this.artifacts = artifacts;
        this.artifactGrace = artifactGrace;
    }

    /**
     * Keeps {@code revisionHistoryLimit} old revisions: older ones that no instance runs (and
     * that are not the rollback target) are deleted, then every artifact no remaining revision
     * of any app references. Runs only once a rollout has finished, as cleanupDeployment.
     */
    void cleanup(StoredApp app, RolloutStatus st, List<Instance> instances, Map<Integer, Revision> revisions) {
        int limit = app.app().spec().rollout().revisionHistoryLimit();
        List<Integer> old = revisions.keySet().stream().filter(n -> n != app.revision()).sorted().toList();
        if (old.size() <= limit) {
            return;
        }
        Set<Integer> inUse = new HashSet<>();
        instances.forEach(i -> inUse.add(i.revision()));
        List<Integer> doomed = old.stream()
                .filter(n -> !inUse.contains(n) && n != st.lastCompleteRevision())
                .limit(old.size() - limit).toList();
        if (doomed.isEmpty()) {
            return;
        }
        store.write(tx -> {
            doomed.forEach(n -> tx.deleteRevision(app.namespace(), app.name(), n));
            tx.appendEvent(Event.normal(app.namespace(), app.name(), null, "RevisionsDeleted",
                    "deleted revision" + (doomed.size() == 1 ? " " : "s ") + String.join(", ",
                            doomed.stream().map(String::valueOf).toList()) + " (revisionHistoryLimit " + limit + ")"));
            return null;
        });
        log.info("app={} deleted old revisions {} (revisionHistoryLimit {})", app.key(), doomed, limit);
        collectArtifacts();
    }

    /** Deletes the artifacts no revision of any app references (and that are not brand new). */
    void collectArtifacts() {
        Set<Path> referenced = new HashSet<>();
        for (StoredApp a : store.apps()) {
            if (a.app().spec().run().jar() != null) {
                referenced.add(Path.of(a.app().spec().run().jar()));
            }
            for (Revision r : store.revisions(a.namespace(), a.name())) {
                if (r.template().run().jar() != null) {
                    referenced.add(Path.of(r.template().run().jar()));
                }
            }
        }
        try {
            List<Path> deleted = artifacts.collect(referenced, artifactGrace);
            if (!deleted.isEmpty()) {
                log.info("deleted {} artifact(s) no revision references: {}", deleted.size(),
                        new TreeSet<>(deleted.stream().map(p -> p.getFileName().toString()).toList()));
            }
        } catch (IOException e) {
            log.warn("artifact garbage collection in {} failed: {}", artifacts.dir(), e.toString());
        }
    }
}
