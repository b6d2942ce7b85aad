package io.nuri.store;

import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Desired state (apps, revisions), the instance records the controllers keep, and the event
 * log. Reads see the last committed state. All writes go through {@link #write}: one
 * transaction, all or nothing, and watchers hear of it only after it committed.
 *
 * <p>Durability: a write that returned survives a kill -9 of the platform at any moment after.
 */
public interface Store extends AutoCloseable {

    /** Runs {@code work} in one serializable transaction; on any exception nothing is written. */
    <T> T write(Function<Tx, T> work);

    // ---- reads (committed state) ----
    List<StoredApp> apps();

    List<StoredApp> apps(String namespace);

    Optional<StoredApp> app(String namespace, String name);

    List<Revision> revisions(String namespace, String app);

    Optional<Revision> revision(String namespace, String app, int number);

    /** Why each revision was made ({@link Tx#putRevision(Revision, String)}), by number; absent = unknown. */
    Map<Integer, String> revisionCauses(String namespace, String app);

    /** The rollout status document the controller keeps for the app (JSON), if it wrote one. */
    Optional<String> rolloutStatus(String namespace, String app);

    List<Instance> instances();

    List<Instance> instances(String namespace, String app);

    Optional<Instance> instance(String id);

    /** Events with id > {@code afterId}, oldest first, at most {@code limit}; filters may be null. */
    List<Event> events(String namespace, String app, long afterId, int limit);

    /** Every alert rule, by namespace and name. */
    List<StoredAlertRule> alertRules();

    /**
     * Alerts, newest first (by {@code since}); {@code states} empty = all; filters may be null.
     * At most {@code limit}.
     */
    List<AlertRecord> alerts(Set<String> states, String namespace, String app, int limit);

    /**
     * Calls {@code listener} after every committed write, on the writer's thread, with what
     * changed. Listeners must be quick (enqueue a key). Returns a handle that stops the calls.
     */
    AutoCloseable watch(Consumer<Change> listener);

    @Override
    void close();

    /** The operations of one write transaction. */
    interface Tx {
        Optional<StoredApp> app(String namespace, String name);

        /**
         * Creates (expectedVersion 0, app must not exist) or updates (expectedVersion must equal the
         * stored version) and returns the stored app with version + 1. Generation increases when
         * the spec changed. Throws {@link ConflictException} otherwise.
         */
        StoredApp putApp(StoredApp app, long expectedVersion);

        /** Removes the app, its revisions and its instance records. */
        void deleteApp(String namespace, String name);

        List<Revision> revisions(String namespace, String app);

        /** Stores a new revision; its number must be unused for that app. */
        void putRevision(Revision revision);

        /** Stores a new revision with the reason it was made ("env APP_VERSION: v1 -> v2"). */
        void putRevision(Revision revision, String cause);

        /** Removes one revision (history limit); the caller makes sure no instance runs it. */
        void deleteRevision(String namespace, String app, int number);

        Optional<String> rolloutStatus(String namespace, String app);

        /** Inserts or replaces the app's rollout status document (JSON); reported as an APP change. */
        void putRolloutStatus(String namespace, String app, String json);

        Optional<Instance> instance(String id);

        List<Instance> instances(String namespace, String app);

        /** Inserts or replaces the instance record with that id. */
        void putInstance(Instance instance);

        void deleteInstance(String id);

        /** Appends an event and returns it with its id. */
        Event appendEvent(Event event);

        Optional<StoredAlertRule> alertRule(String namespace, String name);

        /**
         * Inserts or replaces the rule's document; returns "created", "configured" or "unchanged".
         * Alert writes are not reported to watchers.
         */
        String putAlertRule(String namespace, String name, String documentJson);

        /** Removes the rule; false when there was none. */
        boolean deleteAlertRule(String namespace, String name);

        /**
         * Inserts or replaces the alert with that id. Storing a resolved alert also trims the
         * history to the newest {@link SqliteStore#MAX_RESOLVED_ALERTS} resolved ones.
         */
        void putAlert(AlertRecord alert);

        void deleteAlert(String id);
    }

    /** What a committed write touched, for watchers: always the app the object belongs to. */
    record Change(Kind kind, String namespace, String app) {
        public enum Kind { APP, INSTANCE, EVENT }

        public String appKey() {
            return namespace + "/" + app;
        }
    }
}
