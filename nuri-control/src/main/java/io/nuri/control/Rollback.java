package io.nuri.control;

import io.nuri.api.codec.Json;
import io.nuri.api.model.Event;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import io.nuri.api.spec.Rollout;
import io.nuri.store.ConflictException;
import io.nuri.store.Store;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The automatic rollback ({@code rollback.go}): where a failed rollout (progress deadline or
 * canary) goes back to, and pointing the app there. Both failure paths share it so they roll
 * back to the same revision with the same events.
 */
final class Rollback {
    private static final Logger log = LoggerFactory.getLogger(AppController.class); // every path logs as the controller

    private final Store store;

    Rollback(Store store) {
        this.store = store;
    }

    /**
     * The last complete revision, when {@code autoRollback} is on and it is another revision
     * that is still stored; else empty (a first rollout has nothing to go back to).
     */
    static Optional<Revision> target(StoredApp app, RolloutStatus st, Map<Integer, Revision> revisions) {
        Rollout spec = app.app().spec().rollout();
        int target = st.lastCompleteRevision();
        if (spec.autoRollback() && target > 0 && target != app.revision() && revisions.containsKey(target)) {
            return Optional.of(revisions.get(target));
        }
        return Optional.empty();
    }

    /**
     * Points the app back at {@code target} and records Failed + RolledBack, in one transaction
     * that first checks nobody changed the app since this pass read it. Returns false when
     * somebody did (the next pass sees the new state).
     */
    boolean rollBack(StoredApp app, RolloutStatus st, Revision target, String why, Instant now, Event... first) {
        RolloutStatus after = st.rolledBack(target.number(), why, now);
        try {
            return store.write(tx -> {
                StoredApp fresh = tx.app(app.namespace(), app.name()).orElse(null);
                if (fresh == null || fresh.version() != app.version()) {
                    return false;
                }
                RolloutService.pointAt(tx, fresh, target, now);
                for (Event e : first) {
                    tx.appendEvent(e);
                }
                tx.putRolloutStatus(app.namespace(), app.name(), Json.write(after));
                tx.appendEvent(Event.warning(app.namespace(), app.name(), null, "RolloutFailed", why));
                tx.appendEvent(Event.warning(app.namespace(), app.name(), null, "RolledBack", after.message()));
                log.warn("app={} revision={} {}", app.key(), st.revision(), after.message());
                return true;
            });
        } catch (ConflictException e) {
            return false;
        }
    }
}
