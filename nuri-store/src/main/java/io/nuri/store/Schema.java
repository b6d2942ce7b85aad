package io.nuri.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schema of {@code nuri.db} as an ordered list of migrations. The file's version is SQLite's
 * {@code PRAGMA user_version}: 0 for an empty file, {@code n} after the first {@code n} steps.
 * At open every missing step runs in its own transaction together with the version bump, so a
 * crash mid-upgrade leaves the file at the last complete step and the next open resumes there.
 *
 * <p>To change the schema, append one entry to {@link #MIGRATIONS}; never edit an entry that was
 * released, because files out there already ran it.
 */
final class Schema {
    private static final Logger log = LoggerFactory.getLogger(Schema.class);

    /** One step from version {@code i} to {@code i + 1} (its position in the list + 1). */
    interface Migration {
        String description();

        void apply(Statement sql) throws SQLException;

        static Migration sql(String description, String... statements) {
            return new Migration() {
                @Override
                public String description() {
                    return description;
                }

                @Override
                public void apply(Statement sql) throws SQLException {
                    for (String statement : statements) {
                        sql.executeUpdate(statement);
                    }
                }
            };
        }
    }

    // Times are TEXT in a fixed-width UTC ISO-8601 form with nanoseconds (see SqliteStore.time),
    // so they read back equal to what was written and still sort as text.
    static final List<Migration> MIGRATIONS = List.of(
            Migration.sql("apps, revisions, instances, events",
                    """
                    CREATE TABLE apps (
                      namespace   TEXT    NOT NULL,
                      name        TEXT    NOT NULL,
                      version     INTEGER NOT NULL,
                      generation  INTEGER NOT NULL,
                      revision    INTEGER NOT NULL,
                      deleting    INTEGER NOT NULL DEFAULT 0,
                      created_at  TEXT    NOT NULL,
                      updated_at  TEXT    NOT NULL,
                      spec_json   TEXT    NOT NULL,
                      PRIMARY KEY (namespace, name)
                    ) WITHOUT ROWID""",
                    """
                    CREATE TABLE revisions (
                      namespace     TEXT    NOT NULL,
                      app           TEXT    NOT NULL,
                      number        INTEGER NOT NULL,
                      hash          TEXT,
                      template_json TEXT    NOT NULL,
                      created_at    TEXT,
                      PRIMARY KEY (namespace, app, number),
                      FOREIGN KEY (namespace, app) REFERENCES apps (namespace, name) ON DELETE CASCADE
                    ) WITHOUT ROWID""",
                    """
                    CREATE TABLE instances (
                      id              TEXT    NOT NULL PRIMARY KEY,
                      namespace       TEXT    NOT NULL,
                      app             TEXT    NOT NULL,
                      revision        INTEGER NOT NULL,
                      state           TEXT,
                      pid             INTEGER NOT NULL DEFAULT 0,
                      port            INTEGER NOT NULL DEFAULT 0,
                      restarts        INTEGER NOT NULL DEFAULT 0,
                      last_exit_code  INTEGER,
                      reason          TEXT,
                      created_at      TEXT,
                      started_at      TEXT,
                      ready_at        TEXT,
                      next_restart_at TEXT,
                      handle          TEXT,
                      FOREIGN KEY (namespace, app) REFERENCES apps (namespace, name) ON DELETE CASCADE
                    )""",
                    "CREATE INDEX instances_by_app ON instances (namespace, app, id)",
                    """
                    CREATE TABLE events (
                      id        INTEGER PRIMARY KEY AUTOINCREMENT,
                      time      TEXT NOT NULL,
                      namespace TEXT,
                      app       TEXT,
                      instance  TEXT,
                      type      TEXT,
                      reason    TEXT,
                      message   TEXT
                    )""",
                    "CREATE INDEX events_by_app ON events (namespace, app, id)"),
            // v2: why each revision was made (shown by `rollout history`), and the rollout status the
            // controller derives (phase, revisions, counts, rollout log) as one JSON document per app,
            // so a Failed or RolledBack rollout is still reported after a platform restart.
            Migration.sql("revisions.cause, rollouts",
                    "ALTER TABLE revisions ADD COLUMN cause TEXT",
                    """
                    CREATE TABLE rollouts (
                      namespace   TEXT NOT NULL,
                      app         TEXT NOT NULL,
                      status_json TEXT NOT NULL,
                      updated_at  TEXT NOT NULL,
                      PRIMARY KEY (namespace, app),
                      FOREIGN KEY (namespace, app) REFERENCES apps (namespace, name) ON DELETE CASCADE
                    ) WITHOUT ROWID"""),
            // v3: alert rules (the document as JSON, decoded by nuri-alerts) and alerts: the pending and
            // firing ones, so a restarted platform neither forgets nor re-announces them, and the
            // resolved ones as history. No foreign key to apps: an alert outlives the app it was about.
            Migration.sql("alert_rules, alerts",
                    """
                    CREATE TABLE alert_rules (
                      namespace     TEXT NOT NULL,
                      name          TEXT NOT NULL,
                      document_json TEXT NOT NULL,
                      created_at    TEXT NOT NULL,
                      updated_at    TEXT NOT NULL,
                      PRIMARY KEY (namespace, name)
                    ) WITHOUT ROWID""",
                    """
                    CREATE TABLE alerts (
                      id          TEXT NOT NULL PRIMARY KEY,
                      subject     TEXT NOT NULL,
                      rule        TEXT NOT NULL,
                      severity    TEXT NOT NULL,
                      namespace   TEXT NOT NULL,
                      app         TEXT,
                      instance    TEXT,
                      metric      TEXT,
                      condition   TEXT,
                      state       TEXT NOT NULL,
                      active_at   TEXT NOT NULL,
                      since       TEXT NOT NULL,
                      resolved_at TEXT,
                      summary     TEXT,
                      value       REAL
                    )""",
                    "CREATE INDEX alerts_by_state ON alerts (state, resolved_at)"));

    /** The version this code writes: the number of migrations. */
    static int latestVersion() {
        return MIGRATIONS.size();
    }

    private Schema() {}

    /**
     * Brings the file at {@code file} (open on {@code c}, auto-commit on) to {@link #latestVersion}.
     * Returns the version found before migrating.
     */
    static int migrate(Connection c, Path file) throws SQLException {
        return migrate(c, file, MIGRATIONS);
    }

    /** {@link #migrate(Connection, Path)} with another list of steps (tests of the mechanism). */
    static int migrate(Connection c, Path file, List<Migration> migrations) throws SQLException {
        int found = userVersion(c);
        checkNotNewer(found, file, migrations.size());
        for (int version = found; version < migrations.size(); version++) {
            Migration step = migrations.get(version);
            c.setAutoCommit(false);
            try (Statement sql = c.createStatement()) {
                // Re-read inside the transaction: another process may have migrated meanwhile.
                int now = userVersion(c);
                checkNotNewer(now, file, migrations.size());
                if (now > version) {
                    c.commit();
                    version = now - 1;
                    continue;
                }
                step.apply(sql);
                sql.executeUpdate("PRAGMA user_version = " + (version + 1));
                c.commit();
                log.info("store {}: schema migrated to version {} ({})", file, version + 1, step.description());
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw new StoreException(file + ": migrating the schema to version " + (version + 1) + " ("
                        + step.description() + ") failed: " + e.getMessage(), e);
            } finally {
                c.setAutoCommit(true);
            }
        }
        return found;
    }

    static int userVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    private static void checkNotNewer(int found, Path file, int known) {
        if (found > known) {
            throw new StoreException(file + " schema version " + found + " is newer than this Nuri (knows "
                    + known + "); upgrade Nuri");
        }
    }
}
