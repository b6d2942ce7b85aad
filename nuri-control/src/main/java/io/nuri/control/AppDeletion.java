package io.nuri.control;

import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.StoredApp;
import io.nuri.store.Store;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An app being deleted, or already gone: every instance is stopped (drained like any other stop),
 * and only when none is left is the app's record deleted, so a deleted app never leaves a process
 * behind. Its artifacts are collected after.
 */
final class AppDeletion {
    private static final Logger log = LoggerFactory.getLogger(AppController.class); // every path logs as the controller

    private final Store store;
    private final Draining draining;
    private final HistoryCleanup cleanup;

    AppDeletion(Store store, Draining draining, HistoryCleanup cleanup) {
        this.store = store;
        this.draining = draining;
        this.cleanup = cleanup;
    }

    /** Instances whose app record is gone altogether. */
    void appGone(List<Instance> instances) {
        instances.forEach(i -> draining.stopOrForget(i, "its app is gone"));
    }

    /** One pass of an app marked deleting: stop what runs; delete the app once nothing does. */
    void sync(StoredApp app, List<Instance> instances) {
        instances.forEach(i -> draining.stopOrForget(i, "app deleted"));
        if (store.instances(app.namespace(), app.name()).isEmpty()) {
            store.write(tx -> {
                tx.deleteApp(app.namespace(), app.name());
                tx.appendEvent(Event.normal(app.namespace(), app.name(), null, "Deleted",
                        "app " + app.key() + " deleted; every instance stopped"));
                return null;
            });
            log.info("app={} deleted", app.key());
            cleanup.collectArtifacts();
        }
    }
}
