package io.nuri.store;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.nuri.api.codec.Json;
import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import io.nuri.api.spec.App;
import io.nuri.api.spec.RevisionTemplate;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The embedded {@link Store}: one SQLite file, {@code <dataDir>/nuri.db}, in WAL mode.
 *
 * <h2>Connections and locking</h2>
 * One writer connection, used only under {@link #writeLock}; every {@link #write} is one
 * {@code BEGIN IMMEDIATE} transaction on it. Reads outside a transaction borrow one of a few
 * read-only connections from a pool and run as one statement each; WAL gives each a snapshot
 * of the last commit, so they never wait for a writer and never see a write in progress. Reads
 * through {@link Store.Tx} use the writer connection and see the transaction's own changes.
 *
 * <h2>Durability</h2>
 * {@code synchronous=FULL}: a commit returns only after the WAL is fsynced, so a write that
 * returned survives kill -9 and power loss. {@code foreign_keys=ON} backs {@link Tx#deleteApp}
 * (revisions and instances cascade) and refuses instances or revisions of an unknown app.
 *
 * <h2>Times</h2>
 * Instants are stored with their full nanosecond precision as fixed-width UTC text
 * ({@code 2026-11-03T09:15:02.123456789Z}), so a record reads back equal to what was written
 * and the column still sorts as text. Times the store sets itself (app createdAt/updatedAt)
 * come from the {@link Clock} given to the builder, truncated to milliseconds.
 *
 * <h2>Events</h2>
 * The log keeps the newest {@code maxEvents} events: a transaction that appended events also
 * deletes those whose id is at least {@code maxEvents} below the newest one (one range delete on
 * the primary key, usually of as many rows as were appended).
 *
 * <h2>Conflicts and watchers</h2>
 * {@link ConflictException} for a stale or duplicate {@code putApp}, a revision number already
 * used, and a revision or instance of an app that does not exist (it was deleted meanwhile).
 * Every operation checks before it changes anything, so work that catches a conflict may go on
 * in the same transaction. Watchers run after the commit and after the write lock is released,
 * so they may read and even write; {@code write()} called inside {@code work} is refused. An
 * event without namespace/app is reported as {@code Change(EVENT, null, null)}.
 */
public final class SqliteStore implements Store {
    private static final Logger log = LoggerFactory.getLogger(SqliteStore.class);

    public static final String FILE_NAME = "nuri.db";
    public static final int DEFAULT_MAX_EVENTS = 50_000;
    public static final int DEFAULT_READ_CONNECTIONS = 4;
    public static final int DEFAULT_BUSY_TIMEOUT_MILLIS = 10_000;
    /** Resolved alerts kept as history; pending and firing ones are never trimmed. */
    public static final int MAX_RESOLVED_ALERTS = 10_000;

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);
    /**
     * {@link Json#MAPPER}, but derived {@code isX()} methods are never properties: stored JSON must
     * read back equal to what was written ({@code RunSpec.isJar()} once replaced the jar path with
     * {@code true}).
     */
    private static final ObjectMapper MAPPER =
            Json.MAPPER.copy().setVisibility(PropertyAccessor.IS_GETTER, JsonAutoDetect.Visibility.NONE);
    /**
     * The JSON columns are written canonically: map entries sorted by key, so two equal specs
     * have equal text whatever order their maps iterate in.
     */
    private static final ObjectWriter CANONICAL = MAPPER.writer().with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final Path file;
    private final int maxEvents;
    private final Clock clock;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Connection writer;
    private final List<Connection> allReaders;
    private final BlockingQueue<Connection> readers;
    private final CopyOnWriteArrayList<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /** Opens (creating if needed) {@code <dataDir>/nuri.db}, keeping the newest 50,000 events. */
    public static SqliteStore open(Path dataDir) {
        return builder(dataDir).open();
    }

    /** Opens (creating if needed) {@code <dataDir>/nuri.db}, keeping the newest {@code maxEvents} events. */
    public static SqliteStore open(Path dataDir, int maxEvents) {
        return builder(dataDir).maxEvents(maxEvents).open();
    }

    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    /** Options of {@link SqliteStore}; defaults are the constants of that class. */
    public static final class Builder {
        private final Path dataDir;
        private int maxEvents = DEFAULT_MAX_EVENTS;
        private int readConnections = DEFAULT_READ_CONNECTIONS;
        private int busyTimeoutMillis = DEFAULT_BUSY_TIMEOUT_MILLIS;
        private Clock clock = Clock.systemUTC();

        private Builder(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
        }

        public Builder maxEvents(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("maxEvents: " + n + " (expected: > 0)");
            }
            maxEvents = n;
            return this;
        }

        public Builder readConnections(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("readConnections: " + n + " (expected: > 0)");
            }
            readConnections = n;
            return this;
        }

        public Builder busyTimeoutMillis(int millis) {
            if (millis < 0) {
                throw new IllegalArgumentException("busyTimeoutMillis: " + millis + " (expected: >= 0)");
            }
            busyTimeoutMillis = millis;
            return this;
        }

        /** The clock of the times the store sets itself (app createdAt/updatedAt, event times left null). */
        public Builder clock(Clock c) {
            clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /**
         * Creates the data directory (mode 0700) and the file (mode 0600) if missing, applies the
         * schema migrations this code knows, and opens the connections.
         *
         * @throws StoreException if the file cannot be opened, is not a database, or has a schema
         *     newer than this code knows
         */
        public SqliteStore open() {
            return new SqliteStore(this);
        }
    }

    private SqliteStore(Builder b) {
        this.maxEvents = b.maxEvents;
        this.clock = b.clock;
        this.file = prepareFile(b.dataDir);
        Connection w = null;
        List<Connection> opened = new ArrayList<>();
        try {
            w = connect(file, b.busyTimeoutMillis, false);
            int found = Schema.migrate(w, file);
            try (Statement s = w.createStatement()) {
                trimEvents(s, maxEvents);
            }
            for (int i = 0; i < b.readConnections; i++) {
                opened.add(connect(file, b.busyTimeoutMillis, true));
            }
            log.info("store {} opened (schema version {}{})", file, Schema.latestVersion(),
                    found == Schema.latestVersion() ? "" : ", was " + found);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(w);
            opened.forEach(SqliteStore::closeQuietly);
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException("cannot open " + file + ": " + e.getMessage(), e);
        }
        this.writer = w;
        this.allReaders = List.copyOf(opened);
        this.readers = new ArrayBlockingQueue<>(opened.size(), false, opened);
    }

    private static Path prepareFile(Path dataDir) {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        try {
            if (!Files.isDirectory(dataDir)) {
                FileAttribute<?>[] attrs = posix
                        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))}
                        : new FileAttribute<?>[0];
                Files.createDirectories(dataDir, attrs);
            }
            Path db = dataDir.resolve(FILE_NAME).toAbsolutePath();
            if (posix) {
                var owner = PosixFilePermissions.fromString("rw-------");
                if (!Files.exists(db)) {
                    Files.createFile(db, PosixFilePermissions.asFileAttribute(owner));
                }
                // SQLite gives the -wal and -shm files the mode of the database file.
                Files.setPosixFilePermissions(db, owner);
            }
            return db;
        } catch (IOException e) {
            throw new StoreException("cannot create " + dataDir.resolve(FILE_NAME) + ": " + e, e);
        }
    }

    private static Connection connect(Path file, int busyTimeoutMillis, boolean readOnly) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(busyTimeoutMillis);
        config.setJournalSizeLimit(64 << 20);
        Connection c = config.createConnection("jdbc:sqlite:" + file);
        if (readOnly) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA query_only = ON");
            }
        }
        return c;
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    /** The schema version this code writes (the file's {@code PRAGMA user_version} once opened). */
    public static int schemaVersion() {
        return Schema.latestVersion();
    }

    public int maxEvents() {
        return maxEvents;
    }

    // ---- writes ----

    @Override
    public <T> T write(Function<Tx, T> work) {
        Objects.requireNonNull(work, "work");
        if (writeLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("write() called inside a write transaction; use the Tx you were given");
        }
        Set<Change> changes;
        T result;
        writeLock.lock();
        try {
            checkOpen();
            TxImpl tx = new TxImpl();
            // IMMEDIATE takes SQLite's write lock now, not at the first write: no upgrade deadlocks.
            exec("BEGIN IMMEDIATE");
            boolean committed = false;
            try {
                result = work.apply(tx);
                tx.finish();
                exec("COMMIT");
                committed = true;
            } finally {
                tx.active = false;
                if (!committed) {
                    rollback();
                }
            }
            changes = tx.changes;
        } finally {
            writeLock.unlock();
        }
        for (Change change : changes) {
            for (Consumer<Change> listener : listeners) {
                try {
                    listener.accept(change);
                } catch (RuntimeException e) {
                    log.warn("store watcher {} failed on {} {}: {}", listener, change.kind(), change.appKey(),
                            e.toString(), e);
                }
            }
        }
        return result;
    }

    private void exec(String sql) {
        try (Statement s = writer.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new StoreException("write to " + file + " failed (" + sql + "): " + e.getMessage(), e);
        }
    }

    private void rollback() {
        try (Statement s = writer.createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException e) {
            // A failed COMMIT may have rolled back already; then there is nothing left to undo.
            log.debug("store {}: rollback: {}", file, e.toString());
        }
    }

    @Override
    public AutoCloseable watch(Consumer<Change> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** The operations of one transaction on the writer connection; dead once write() returns. */
    private final class TxImpl implements Tx {
        final Set<Change> changes = new LinkedHashSet<>();
        boolean active = true;
        long lastEventId;
        boolean resolvedWritten;

        private Connection c() {
            if (!active) {
                throw new IllegalStateException("the transaction has ended; Tx is only valid inside write()");
            }
            return writer;
        }

        /** Trims the event log and the alert history in the same transaction as the writes. */
        void finish() {
            if (lastEventId > maxEvents) {
                update("DELETE FROM events WHERE id <= ?", lastEventId - maxEvents);
            }
            if (resolvedWritten) {
                update("""
                        DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE state = 'resolved'
                          ORDER BY resolved_at DESC, id LIMIT -1 OFFSET ?)""", MAX_RESOLVED_ALERTS);
            }
        }

        @Override
        public Optional<StoredApp> app(String namespace, String name) {
            return queryApp(c(), namespace, name);
        }

        @Override
        public StoredApp putApp(StoredApp app, long expectedVersion) {
            Objects.requireNonNull(app, "app");
            App spec = Objects.requireNonNull(app.app(), "app.app");
            Objects.requireNonNull(spec.metadata(), "app.metadata");
            String ns = Objects.requireNonNull(spec.namespace(), "app.metadata.namespace");
            String name = Objects.requireNonNull(spec.name(), "app.metadata.name");
            if (expectedVersion < 0) {
                throw new IllegalArgumentException("expectedVersion: " + expectedVersion + " (expected: >= 0)");
            }
            String key = ns + "/" + name;
            Optional<StoredApp> current = queryApp(c(), ns, name);
            Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
            String json = canonical(spec);
            StoredApp stored;
            if (expectedVersion == 0) {
                if (current.isPresent()) {
                    throw new ConflictException("app " + key + " already exists (version " + current.get().version()
                            + "); re-read and update it");
                }
                stored = new StoredApp(spec, 1, 1, app.revision(), app.deleting(), now, now);
            } else {
                if (current.isEmpty()) {
                    throw new ConflictException("app " + key + " was deleted by someone else (you had version "
                            + expectedVersion + ")");
                }
                StoredApp old = current.get();
                if (old.version() != expectedVersion) {
                    throw new ConflictException("app " + key + " was changed by someone else (version " + old.version()
                            + ", you had " + expectedVersion + "); re-read and retry");
                }
                boolean specChanged = !canonical(old.app()).equals(json);
                stored = new StoredApp(spec, old.version() + 1, old.generation() + (specChanged ? 1 : 0),
                        app.revision(), app.deleting(), old.createdAt(), now);
            }
            update("""
                    INSERT INTO apps (namespace, name, version, generation, revision, deleting, created_at, updated_at,
                                      spec_json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (namespace, name) DO UPDATE SET
                      version = excluded.version, generation = excluded.generation, revision = excluded.revision,
                      deleting = excluded.deleting, updated_at = excluded.updated_at, spec_json = excluded.spec_json""",
                    ns, name, stored.version(), stored.generation(), stored.revision(), stored.deleting() ? 1 : 0,
                    time(stored.createdAt()), time(stored.updatedAt()), json);
            changes.add(new Change(Change.Kind.APP, ns, name));
            return stored;
        }

        @Override
        public void deleteApp(String namespace, String name) {
            // Revisions and instances go with it: ON DELETE CASCADE.
            if (update("DELETE FROM apps WHERE namespace = ? AND name = ?", namespace, name) > 0) {
                changes.add(new Change(Change.Kind.APP, namespace, name));
            }
        }

        @Override
        public List<Revision> revisions(String namespace, String app) {
            return queryRevisions(c(), namespace, app);
        }

        @Override
        public void putRevision(Revision r) {
            putRevision(r, null);
        }

        @Override
        public void deleteRevision(String namespace, String app, int number) {
            if (update("DELETE FROM revisions WHERE namespace = ? AND app = ? AND number = ?", namespace, app,
                    number) > 0) {
                changes.add(new Change(Change.Kind.APP, namespace, app));
            }
        }

        @Override
        public Optional<String> rolloutStatus(String namespace, String app) {
            return queryRolloutStatus(c(), namespace, app);
        }

        @Override
        public void putRolloutStatus(String namespace, String app, String json) {
            Objects.requireNonNull(json, "json");
            requireApp(namespace, app, "rollout status");
            update("""
                    INSERT INTO rollouts (namespace, app, status_json, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (namespace, app) DO UPDATE SET
                      status_json = excluded.status_json, updated_at = excluded.updated_at""",
                    namespace, app, json, time(clock.instant()));
            changes.add(new Change(Change.Kind.APP, namespace, app));
        }

        @Override
        public void putRevision(Revision r, String cause) {
            Objects.requireNonNull(r, "revision");
            String key = r.namespace() + "/" + r.app();
            requireApp(r.namespace(), r.app(), "revision " + r.number());
            if (!queryList(c(), "SELECT 1 FROM revisions WHERE namespace = ? AND app = ? AND number = ?",
                    rs -> 1, r.namespace(), r.app(), r.number()).isEmpty()) {
                throw new ConflictException("revision " + r.number() + " of app " + key + " already exists");
            }
            update("""
                    INSERT INTO revisions (namespace, app, number, hash, template_json, created_at, cause)
                    VALUES (?, ?, ?, ?, ?, ?, ?)""",
                    r.namespace(), r.app(), r.number(), r.hash(), canonical(r.template()), time(r.createdAt()), cause);
            changes.add(new Change(Change.Kind.APP, r.namespace(), r.app()));
        }

        @Override
        public Optional<Instance> instance(String id) {
            return queryInstance(c(), id);
        }

        @Override
        public List<Instance> instances(String namespace, String app) {
            return queryInstances(c(), namespace, app);
        }

        @Override
        public void putInstance(Instance i) {
            Objects.requireNonNull(i, "instance");
            Objects.requireNonNull(i.id(), "instance.id");
            requireApp(i.namespace(), i.app(), "instance " + i.id());
            Optional<Instance> old = queryInstance(c(), i.id());
            update("""
                    INSERT INTO instances (id, namespace, app, revision, state, pid, port, restarts, last_exit_code,
                                           reason, created_at, started_at, ready_at, next_restart_at, handle)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET
                      namespace = excluded.namespace, app = excluded.app, revision = excluded.revision,
                      state = excluded.state, pid = excluded.pid, port = excluded.port, restarts = excluded.restarts,
                      last_exit_code = excluded.last_exit_code, reason = excluded.reason,
                      created_at = excluded.created_at, started_at = excluded.started_at,
                      ready_at = excluded.ready_at, next_restart_at = excluded.next_restart_at,
                      handle = excluded.handle""",
                    i.id(), i.namespace(), i.app(), i.revision(), i.state() == null ? null : i.state().name(), i.pid(),
                    i.port(), i.restarts(), i.lastExitCode(), i.reason(), time(i.createdAt()), time(i.startedAt()),
                    time(i.readyAt()), time(i.nextRestartAt()), i.handle());
            old.filter(o -> !o.appKey().equals(i.appKey()))
                    .ifPresent(o -> changes.add(new Change(Change.Kind.INSTANCE, o.namespace(), o.app())));
            changes.add(new Change(Change.Kind.INSTANCE, i.namespace(), i.app()));
        }

        @Override
        public void deleteInstance(String id) {
            Optional<Instance> old = queryInstance(c(), id);
            if (old.isPresent()) {
                update("DELETE FROM instances WHERE id = ?", id);
                changes.add(new Change(Change.Kind.INSTANCE, old.get().namespace(), old.get().app()));
            }
        }

        @Override
        public Event appendEvent(Event e) {
            Objects.requireNonNull(e, "event");
            Instant t = e.time() != null ? e.time() : clock.instant();
            update("INSERT INTO events (time, namespace, app, instance, type, reason, message) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    time(t), e.namespace(), e.app(), e.instance(), e.type(), e.reason(), e.message());
            long id = queryList(c(), "SELECT last_insert_rowid()", rs -> rs.getLong(1)).getFirst();
            lastEventId = id;
            changes.add(new Change(Change.Kind.EVENT, e.namespace(), e.app()));
            return new Event(id, t, e.namespace(), e.app(), e.instance(), e.type(), e.reason(), e.message());
        }

        @Override
        public Optional<StoredAlertRule> alertRule(String namespace, String name) {
            return queryAlertRule(c(), namespace, name);
        }

        @Override
        public String putAlertRule(String namespace, String name, String documentJson) {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(documentJson, "documentJson");
            Optional<StoredAlertRule> old = queryAlertRule(c(), namespace, name);
            if (old.isPresent() && old.get().documentJson().equals(documentJson)) {
                return "unchanged";
            }
            String now = time(clock.instant().truncatedTo(ChronoUnit.MILLIS));
            update("""
                    INSERT INTO alert_rules (namespace, name, document_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (namespace, name) DO UPDATE SET
                      document_json = excluded.document_json, updated_at = excluded.updated_at""",
                    namespace, name, documentJson, now, now);
            return old.isPresent() ? "configured" : "created";
        }

        @Override
        public boolean deleteAlertRule(String namespace, String name) {
            return update("DELETE FROM alert_rules WHERE namespace = ? AND name = ?", namespace, name) > 0;
        }

        @Override
        public void putAlert(AlertRecord a) {
            Objects.requireNonNull(a, "alert");
            Objects.requireNonNull(a.id(), "alert.id");
            update("""
                    INSERT INTO alerts (id, subject, rule, severity, namespace, app, instance, metric, condition, state,
                                        active_at, since, resolved_at, summary, value)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET
                      subject = excluded.subject, rule = excluded.rule, severity = excluded.severity,
                      namespace = excluded.namespace, app = excluded.app, instance = excluded.instance,
                      metric = excluded.metric, condition = excluded.condition, state = excluded.state,
                      active_at = excluded.active_at, since = excluded.since, resolved_at = excluded.resolved_at,
                      summary = excluded.summary, value = excluded.value""",
                    a.id(), a.subject(), a.rule(), a.severity(), a.namespace(), a.app(), a.instance(), a.metric(),
                    a.condition(), a.state(), time(a.activeAt()), time(a.since()), time(a.resolvedAt()), a.summary(),
                    a.value());
            resolvedWritten |= "resolved".equals(a.state());
        }

        @Override
        public void deleteAlert(String id) {
            update("DELETE FROM alerts WHERE id = ?", id);
        }

        private void requireApp(String namespace, String app, String what) {
            if (queryList(c(), "SELECT 1 FROM apps WHERE namespace = ? AND name = ?", rs -> 1, namespace, app)
                    .isEmpty()) {
                throw new ConflictException(what + ": app " + namespace + "/" + app + " does not exist");
            }
        }

        private int update(String sql, Object... args) {
            try (PreparedStatement ps = c().prepareStatement(sql)) {
                bind(ps, args);
                return ps.executeUpdate();
            } catch (SQLException e) {
                throw new StoreException("write to " + file + " failed: " + e.getMessage(), e);
            }
        }
    }

    private static void trimEvents(Statement s, int maxEvents) throws SQLException {
        s.executeUpdate("DELETE FROM events WHERE id <= (SELECT max(id) FROM events) - " + maxEvents);
    }

    // ---- reads ----

    @Override
    public List<StoredApp> apps() {
        return read(c -> queryList(c, "SELECT * FROM apps ORDER BY namespace, name", SqliteStore::storedApp));
    }

    @Override
    public List<StoredApp> apps(String namespace) {
        return read(c -> queryList(c, "SELECT * FROM apps WHERE namespace = ? ORDER BY name", SqliteStore::storedApp,
                namespace));
    }

    @Override
    public Optional<StoredApp> app(String namespace, String name) {
        return read(c -> queryApp(c, namespace, name));
    }

    @Override
    public List<Revision> revisions(String namespace, String app) {
        return read(c -> queryRevisions(c, namespace, app));
    }

    @Override
    public Optional<Revision> revision(String namespace, String app, int number) {
        return read(c -> queryList(c, "SELECT * FROM revisions WHERE namespace = ? AND app = ? AND number = ?",
                SqliteStore::revision, namespace, app, number).stream().findFirst());
    }

    @Override
    public Map<Integer, String> revisionCauses(String namespace, String app) {
        Map<Integer, String> causes = new TreeMap<>();
        read(c -> queryList(c, "SELECT number, cause FROM revisions WHERE namespace = ? AND app = ? AND cause IS NOT NULL",
                rs -> causes.put(rs.getInt(1), rs.getString(2)), namespace, app));
        return causes;
    }

    @Override
    public Optional<String> rolloutStatus(String namespace, String app) {
        return read(c -> queryRolloutStatus(c, namespace, app));
    }

    private static Optional<String> queryRolloutStatus(Connection c, String namespace, String app) {
        return queryList(c, "SELECT status_json FROM rollouts WHERE namespace = ? AND app = ?", rs -> rs.getString(1),
                namespace, app).stream().findFirst();
    }

    @Override
    public List<Instance> instances() {
        return read(c -> queryList(c, "SELECT * FROM instances ORDER BY namespace, app, id", SqliteStore::instance));
    }

    @Override
    public List<Instance> instances(String namespace, String app) {
        return read(c -> queryInstances(c, namespace, app));
    }

    @Override
    public Optional<Instance> instance(String id) {
        return read(c -> queryInstance(c, id));
    }

    @Override
    public List<Event> events(String namespace, String app, long afterId, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        StringBuilder sql = new StringBuilder("SELECT * FROM events WHERE id > ?");
        List<Object> args = new ArrayList<>(List.of(afterId));
        if (namespace != null) {
            sql.append(" AND namespace = ?");
            args.add(namespace);
        }
        if (app != null) {
            sql.append(" AND app = ?");
            args.add(app);
        }
        sql.append(" ORDER BY id LIMIT ?");
        args.add(limit);
        return read(c -> queryList(c, sql.toString(), SqliteStore::event, args.toArray()));
    }

    @Override
    public List<StoredAlertRule> alertRules() {
        return read(c -> queryList(c, "SELECT * FROM alert_rules ORDER BY namespace, name", SqliteStore::alertRule));
    }

    @Override
    public List<AlertRecord> alerts(Set<String> states, String namespace, String app, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        StringBuilder sql = new StringBuilder("SELECT * FROM alerts WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (states != null && !states.isEmpty()) {
            sql.append(" AND state IN (").append(String.join(", ", java.util.Collections.nCopies(states.size(), "?")))
                    .append(")");
            args.addAll(states);
        }
        if (namespace != null) {
            sql.append(" AND namespace = ?");
            args.add(namespace);
        }
        if (app != null) {
            sql.append(" AND app = ?");
            args.add(app);
        }
        sql.append(" ORDER BY since DESC, id LIMIT ?");
        args.add(limit);
        return read(c -> queryList(c, sql.toString(), SqliteStore::alert, args.toArray()));
    }

    private static Optional<StoredAlertRule> queryAlertRule(Connection c, String namespace, String name) {
        return queryList(c, "SELECT * FROM alert_rules WHERE namespace = ? AND name = ?", SqliteStore::alertRule,
                namespace, name).stream().findFirst();
    }

    private static Optional<StoredApp> queryApp(Connection c, String namespace, String name) {
        return queryList(c, "SELECT * FROM apps WHERE namespace = ? AND name = ?", SqliteStore::storedApp, namespace,
                name).stream().findFirst();
    }

    private static List<Revision> queryRevisions(Connection c, String namespace, String app) {
        return queryList(c, "SELECT * FROM revisions WHERE namespace = ? AND app = ? ORDER BY number",
                SqliteStore::revision, namespace, app);
    }

    private static Optional<Instance> queryInstance(Connection c, String id) {
        return queryList(c, "SELECT * FROM instances WHERE id = ?", SqliteStore::instance, id).stream().findFirst();
    }

    private static List<Instance> queryInstances(Connection c, String namespace, String app) {
        return queryList(c, "SELECT * FROM instances WHERE namespace = ? AND app = ? ORDER BY id",
                SqliteStore::instance, namespace, app);
    }

    @FunctionalInterface
    private interface Query<T> {
        T run(Connection c);
    }

    /** Runs one read on a pooled read connection: it sees the last commit, never a write in progress. */
    private <T> T read(Query<T> query) {
        checkOpen();
        Connection c;
        try {
            do {
                c = readers.poll(100, TimeUnit.MILLISECONDS);
                checkOpen();
            } while (c == null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a connection to " + file, e);
        }
        try {
            return query.run(c);
        } finally {
            readers.add(c);
        }
    }

    @FunctionalInterface
    private interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private static <T> List<T> queryList(Connection c, String sql, Row<T> row, Object... args) {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(row.map(rs));
                }
                return out;
            }
        } catch (SQLException e) {
            throw new StoreException("read from store failed: " + e.getMessage(), e);
        }
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) {
                ps.setNull(i + 1, Types.NULL);
            } else if (a instanceof String s) {
                ps.setString(i + 1, s);
            } else if (a instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else if (a instanceof Long n) {
                ps.setLong(i + 1, n);
            } else if (a instanceof Double d) {
                ps.setDouble(i + 1, d);
            } else {
                throw new IllegalArgumentException("cannot bind " + a.getClass());
            }
        }
    }

    // ---- rows <-> records ----

    private static StoredApp storedApp(ResultSet rs) throws SQLException {
        return new StoredApp(json(rs.getString("spec_json"), App.class), rs.getLong("version"),
                rs.getLong("generation"), rs.getInt("revision"), rs.getInt("deleting") != 0,
                instant(rs.getString("created_at")), instant(rs.getString("updated_at")));
    }

    private static Revision revision(ResultSet rs) throws SQLException {
        return new Revision(rs.getString("namespace"), rs.getString("app"), rs.getInt("number"), rs.getString("hash"),
                json(rs.getString("template_json"), RevisionTemplate.class), instant(rs.getString("created_at")));
    }

    private static Instance instance(ResultSet rs) throws SQLException {
        String state = rs.getString("state");
        int exit = rs.getInt("last_exit_code");
        Integer lastExit = rs.wasNull() ? null : exit;
        InstanceState parsed;
        try {
            parsed = state == null ? null : InstanceState.valueOf(state);
        } catch (IllegalArgumentException e) {
            throw new StoreException("instance " + rs.getString("id") + " has an unknown state '" + state + "'", e);
        }
        return new Instance(rs.getString("id"), rs.getString("namespace"), rs.getString("app"), rs.getInt("revision"),
                parsed, rs.getLong("pid"), rs.getInt("port"), rs.getInt("restarts"), lastExit, rs.getString("reason"),
                instant(rs.getString("created_at")), instant(rs.getString("started_at")),
                instant(rs.getString("ready_at")), instant(rs.getString("next_restart_at")), rs.getString("handle"));
    }

    private static Event event(ResultSet rs) throws SQLException {
        return new Event(rs.getLong("id"), instant(rs.getString("time")), rs.getString("namespace"),
                rs.getString("app"), rs.getString("instance"), rs.getString("type"), rs.getString("reason"),
                rs.getString("message"));
    }

    private static StoredAlertRule alertRule(ResultSet rs) throws SQLException {
        return new StoredAlertRule(rs.getString("namespace"), rs.getString("name"), rs.getString("document_json"),
                instant(rs.getString("created_at")), instant(rs.getString("updated_at")));
    }

    private static AlertRecord alert(ResultSet rs) throws SQLException {
        return new AlertRecord(rs.getString("id"), rs.getString("subject"), rs.getString("rule"),
                rs.getString("severity"), rs.getString("namespace"), rs.getString("app"), rs.getString("instance"),
                rs.getString("metric"), rs.getString("condition"), rs.getString("state"),
                instant(rs.getString("active_at")), instant(rs.getString("since")), instant(rs.getString("resolved_at")),
                rs.getString("summary"), rs.getDouble("value"));
    }

    /** Fixed-width UTC text with nanoseconds: exact, and sorts as text (for years 0000-9999). */
    static String time(Instant t) {
        return t == null ? null : TIME.format(t);
    }

    static Instant instant(String s) {
        return s == null ? null : Instant.parse(s);
    }

    private static String canonical(Object value) {
        try {
            return CANONICAL.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON: "
                    + e.getMessage(), e);
        }
    }

    private static <T> T json(String text, Class<T> type) {
        try {
            return MAPPER.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new StoreException("stored JSON is not a valid " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** Reads a pragma on the writer connection (tests check the connection settings with it). */
    String pragma(String name) {
        if (!name.matches("[a-z_]+")) {
            throw new IllegalArgumentException("pragma: " + name);
        }
        writeLock.lock();
        try {
            checkOpen();
            return queryList(writer, "PRAGMA " + name, rs -> rs.getString(1)).getFirst();
        } finally {
            writeLock.unlock();
        }
    }

    // ---- lifecycle ----

    private void checkOpen() {
        if (closed) {
            throw new StoreException("store " + file + " is closed");
        }
    }

    /** Waits for the running write and reads, then closes every connection. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        writeLock.lock();
        try {
            closeQuietly(writer);
        } finally {
            writeLock.unlock();
        }
        // Reads in flight return their connection; wait a little for them.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int remaining = allReaders.size();
        while (remaining > 0 && System.nanoTime() < deadline) {
            try {
                Connection c = readers.poll(100, TimeUnit.MILLISECONDS);
                if (c != null) {
                    closeQuietly(c);
                    remaining--;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (remaining > 0) {
            allReaders.forEach(SqliteStore::closeQuietly);
        }
        log.info("store {} closed", file);
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                log.warn("closing a store connection failed: {}", e.toString());
            }
        }
    }
}
