package io.nuri.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Schema v2: revision causes, revision deletion (history limit) and the rollout status document. */
class RolloutRecordsTest {
    @TempDir
    Path tmp;

    @Test
    void causesAndRolloutStatusSurviveAReopenAndGoWithTheirApp() {
        Path dataDir = tmp.resolve("data");
        StoredApp app = Fixtures.newApp("default", "portal");
        try (SqliteStore store = SqliteStore.open(dataDir)) {
            store.write(tx -> {
                StoredApp saved = tx.putApp(app, 0);
                tx.putRevision(Fixtures.revision(saved, 1), "created");
                tx.putRevision(Fixtures.revision(saved, 2), "env APP_VERSION: v1 -> v2");
                tx.putRevision(Fixtures.revision(saved, 3));
                tx.putRolloutStatus("default", "portal", "{\"phase\":\"Progressing\"}");
                return null;
            });
        }
        try (SqliteStore store = SqliteStore.open(dataDir)) {
            assertThat(store.revisionCauses("default", "portal"))
                    .containsExactly(java.util.Map.entry(1, "created"), java.util.Map.entry(2, "env APP_VERSION: v1 -> v2"));
            assertThat(store.rolloutStatus("default", "portal")).contains("{\"phase\":\"Progressing\"}");

            List<Store.Change> changes = new ArrayList<>();
            store.watch(changes::add);
            store.write(tx -> {
                tx.deleteRevision("default", "portal", 1);
                tx.deleteRevision("default", "portal", 9); // not there: nothing happens
                tx.putRolloutStatus("default", "portal", "{\"phase\":\"Complete\"}");
                assertThat(tx.rolloutStatus("default", "portal")).contains("{\"phase\":\"Complete\"}");
                return null;
            });
            assertThat(changes).containsOnly(new Store.Change(Store.Change.Kind.APP, "default", "portal"));
            assertThat(store.revisions("default", "portal")).extracting(Revision::number).containsExactly(2, 3);

            store.write(tx -> {
                tx.deleteApp("default", "portal");
                return null;
            });
            assertThat(store.rolloutStatus("default", "portal")).isEmpty();
            assertThat(store.revisionCauses("default", "portal")).isEmpty();
        }
    }
}
