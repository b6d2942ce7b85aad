package io.nuri.store;

import static io.nuri.store.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;

class AlertStoreTest {
    @TempDir
    Path dataDir;

    static AlertRecord alert(String id, String app, String state, int sinceSecond) {
        return new AlertRecord(id, "default/r/" + app + "/" + id, "r", "warning", "default", app, null, "apdex", "< 0.7",
                state, T0.plusSeconds(sinceSecond), T0.plusSeconds(sinceSecond),
                "resolved".equals(state) ? T0.plusSeconds(sinceSecond + 1) : null, "APDEX of " + app + " is 0.5", 0.5);
    }

    @Test
    void aVersion2FileIsMigratedToVersion3AndKeepsItsApps() throws Exception {
        Path file = dataDir.resolve(SqliteStore.FILE_NAME);
        try (Connection c = new SQLiteConfig().createConnection("jdbc:sqlite:" + file)) {
            Schema.migrate(c, file, Schema.MIGRATIONS.subList(0, 2));
            try (Statement s = c.createStatement()) {
                s.executeUpdate("""
                        INSERT INTO apps (namespace, name, version, generation, revision, created_at, updated_at, spec_json)
                        VALUES ('default', 'old', 1, 1, 0, '2026-01-01T00:00:00.000000000Z', '2026-01-01T00:00:00.000000000Z', '{}')""");
            }
        }
        try (SqliteStore store = SqliteStore.open(dataDir)) {
            assertThat(store.pragma("user_version")).isEqualTo("3");
            assertThat(store.alertRules()).isEmpty();
            assertThat(store.alerts(Set.of(), null, null, 10)).isEmpty();
        }
        try (Connection c = new SQLiteConfig().createConnection("jdbc:sqlite:" + file);
                Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name FROM apps")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("old");
        }
    }

    @Test
    void rulesAreCreatedConfiguredLeftUnchangedAndDeletedAndSurviveAReopen() {
        try (SqliteStore store = SqliteStore.open(dataDir)) {
            assertThat(store.<String>write(tx -> tx.putAlertRule("default", "slow", "{\"a\":1}"))).isEqualTo("created");
            assertThat(store.<String>write(tx -> tx.putAlertRule("default", "slow", "{\"a\":1}"))).isEqualTo("unchanged");
            assertThat(store.<String>write(tx -> tx.putAlertRule("default", "slow", "{\"a\":2}"))).isEqualTo("configured");
            assertThat(store.<String>write(tx -> tx.putAlertRule("tax", "down", "{\"b\":1}"))).isEqualTo("created");
            assertThat(store.<Boolean>write(tx -> tx.deleteAlertRule("tax", "down"))).isTrue();
            assertThat(store.<Boolean>write(tx -> tx.deleteAlertRule("tax", "down"))).isFalse();
        }
        try (SqliteStore store = SqliteStore.open(dataDir)) {
            List<StoredAlertRule> rules = store.alertRules();
            assertThat(rules).extracting(StoredAlertRule::name, StoredAlertRule::documentJson)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("slow", "{\"a\":2}"));
            assertThat(rules.getFirst().createdAt()).isNotNull();
        }
    }

    @Test
    void alertsAreUpdatedInPlaceFilteredNewestFirstAndSurviveAReopen() {
        AlertRecord a = alert("a1", "portal", "pending", 0);
        try (SqliteStore store = SqliteStore.open(dataDir)) {
            store.write(tx -> {
                tx.putAlert(a);
                tx.putAlert(alert("b1", "tax", "firing", 5));
                tx.putAlert(alert("c1", "portal", "resolved", 2));
                tx.putAlert(alert("gone", "portal", "pending", 3));
                return null;
            });
            AlertRecord fired = new AlertRecord(a.id(), a.subject(), a.rule(), a.severity(), a.namespace(), a.app(), null,
                    a.metric(), a.condition(), "firing", a.activeAt(), T0.plusSeconds(10), null, a.summary(), 0.25);
            store.write(tx -> {
                tx.putAlert(fired);
                tx.deleteAlert("gone");
                return null;
            });
        }
        try (SqliteStore store = SqliteStore.open(dataDir)) {
            assertThat(store.alerts(Set.of("firing"), null, null, 10)).extracting(AlertRecord::id).containsExactly("a1", "b1");
            AlertRecord back = store.alerts(Set.of("firing"), null, null, 10).getFirst();
            assertThat(back.since()).isEqualTo(T0.plusSeconds(10));
            assertThat(back.activeAt()).isEqualTo(T0);
            assertThat(back.value()).isEqualTo(0.25);
            assertThat(store.alerts(Set.of(), "default", "portal", 10)).extracting(AlertRecord::id).containsExactly("a1", "c1");
            assertThat(store.alerts(Set.of("resolved"), null, null, 10)).extracting(AlertRecord::resolvedAt)
                    .containsExactly(T0.plusSeconds(3));
            assertThat(store.alerts(Set.of("pending", "firing"), null, null, 1)).extracting(AlertRecord::id).containsExactly("a1");
        }
    }

    @Test
    void theResolvedHistoryIsTrimmedToTheNewestAndActiveAlertsAreKept() {
        int n = SqliteStore.MAX_RESOLVED_ALERTS + 3;
        try (SqliteStore store = SqliteStore.open(dataDir)) {
            store.write(tx -> {
                tx.putAlert(alert("firing-old", "portal", "firing", -100));
                for (int i = 0; i < n; i++) {
                    tx.putAlert(alert("r" + i, "portal", "resolved", i));
                }
                return null;
            });
            List<AlertRecord> resolved = store.alerts(Set.of("resolved"), null, null, Integer.MAX_VALUE);
            assertThat(resolved).hasSize(SqliteStore.MAX_RESOLVED_ALERTS);
            assertThat(resolved.getLast().id()).as("the three oldest went").isEqualTo("r3");
            assertThat(store.alerts(Set.of("firing"), null, null, 10)).extracting(AlertRecord::id).containsExactly("firing-old");
        }
    }
}
