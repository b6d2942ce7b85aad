package io.nuri.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.nuri.api.model.Event;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a writing process loses no write that returned and leaves a sound file. */
class SqliteStoreCrashTest {
    static final int IDS_BEFORE_KILL = 200;

    @TempDir
    Path tmp;

    Process child;

    @AfterEach
    void killChild() throws InterruptedException {
        if (child != null && child.isAlive()) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyWriteThatReturnedSurvivesKill9() throws Exception {
        Path dataDir = tmp.resolve("data");
        Path stderr = tmp.resolve("child.err");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx128m",
                "-cp", System.getProperty("java.class.path"), CrashWriterMain.class.getName(), dataDir.toString())
                .redirectError(stderr.toFile())
                .start();

        List<Long> printed = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (printed.size() < IDS_BEFORE_KILL && (line = out.readLine()) != null) {
                printed.add(Long.parseLong(line.trim()));
            }
            child.destroyForcibly(); // SIGKILL, mid-loop: the next write is somewhere in flight
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(printed).as("ids printed by the child; its stderr:%n%s", Files.readString(stderr))
                .hasSize(IDS_BEFORE_KILL);

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("nuri.db"));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("ok");
        }
        try (SqliteStore store = SqliteStore.open(dataDir, 1_000_000)) {
            Set<Long> stored = new HashSet<>();
            store.events(null, null, 0, Integer.MAX_VALUE).forEach(e -> stored.add(e.id()));
            assertThat(stored).containsAll(printed);
            // The app label was bumped in the same transactions: at least as far as the last printed id.
            long count = Long.parseLong(store.app("default", "crash").orElseThrow().app().metadata().labels().get("count"));
            assertThat(count).isGreaterThanOrEqualTo(printed.getLast()).isEqualTo(stored.size());
            double alertValue = store.alerts(Set.of("firing"), null, null, 10).getFirst().value();
            assertThat((long) alertValue).as("the alert written with each event").isEqualTo(count);
            Event last = store.write(tx -> tx.appendEvent(Fixtures.event("default", "crash", "after the crash")));
            assertThat(last.id()).isGreaterThan(printed.getLast());
        }
    }
}
