package io.nuri.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nuri.store.Schema.Migration;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaTest {
    static final Migration V1 = Migration.sql("things", "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT)");
    static final Migration V2 = Migration.sql("things.color", "ALTER TABLE things ADD COLUMN color TEXT",
            "UPDATE things SET color = 'blue'");
    static final Migration BROKEN = Migration.sql("half done", "CREATE TABLE other (x)", "THIS IS NOT SQL");

    @TempDir
    Path tmp;

    @Test
    void stepsRunInOrderOnceEachAndAFailedStepLeavesTheLastGoodVersion() throws Exception {
        Path file = tmp.resolve("nuri.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            assertThat(Schema.migrate(c, file, List.of(V1))).isZero();
            s.executeUpdate("INSERT INTO things (name) VALUES ('a')");
            assertThat(Schema.userVersion(c)).isEqualTo(1);

            assertThatThrownBy(() -> Schema.migrate(c, file, List.of(V1, V2, BROKEN)))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("migrating the schema to version 3 (half done) failed");
            assertThat(Schema.userVersion(c)).isEqualTo(2);
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE name = 'other'")) {
                assertThat(rs.getInt(1)).as("the failed step is rolled back whole").isZero();
            }
            try (ResultSet rs = s.executeQuery("SELECT name, color FROM things")) {
                assertThat(rs.getString(1) + "/" + rs.getString(2)).isEqualTo("a/blue");
            }

            assertThat(Schema.migrate(c, file, List.of(V1, V2))).isEqualTo(2); // nothing left to do
            assertThatThrownBy(() -> Schema.migrate(c, file, List.of(V1)))
                    .isInstanceOf(StoreException.class)
                    .hasMessageEndingWith("nuri.db schema version 2 is newer than this Nuri (knows 1); upgrade Nuri");
        }
    }
}
