package io.nuri.api.model;

import io.nuri.api.spec.App;
import java.time.Instant;

/**
 * An app as the store keeps it.
 *
 * @param version increases on every write; an update naming an older version is a conflict
 * @param generation increases on every change of the spec (not of status)
 * @param revision the revision number the spec's template currently maps to
 * @param deleting set by a delete; the controller stops every instance, then removes the app
 */
public record StoredApp(App app, long version, long generation, int revision, boolean deleting,
        Instant createdAt, Instant updatedAt) {

    public String namespace() {
        return app.namespace();
    }

    public String name() {
        return app.name();
    }

    public String key() {
        return app.key();
    }
}
