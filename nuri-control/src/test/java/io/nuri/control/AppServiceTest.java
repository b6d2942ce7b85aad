package io.nuri.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nuri.api.codec.SpecException;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import io.nuri.store.ConflictException;
import io.nuri.store.SqliteStore;
import io.nuri.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Apply, scale and delete against a real SQLite store. */
class AppServiceTest {
    @TempDir
    Path dir;

    Store store;
    AppService apps;
    Path jar;

    @BeforeEach
    void setUp() throws Exception {
        store = SqliteStore.open(dir.resolve("data"));
        apps = new AppService(store, new ArtifactStore(dir.resolve("data/artifacts")), Clock.systemUTC());
        jar = dir.resolve("app.jar");
        Files.writeString(jar, "pretend this is a jar, build 1");
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private String spec(int replicas, String version) {
        return """
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: portal}
                spec:
                  run: {jar: app.jar}
                  env: {APP_VERSION: %s}
                  replicas: %d
                """.formatted(version, replicas);
    }

    private List<AppService.ApplyResult> apply(String text) throws SpecException {
        return apps.apply("portal.yaml", text, dir, false);
    }

    @Test
    void createThenUnchangedThenConfiguredWithANewRevisionOnlyWhenWhatRunsChanged() throws Exception {
        assertThat(apply(spec(2, "v1"))).singleElement().satisfies(r -> {
            assertThat(r.action()).isEqualTo("created");
            assertThat(r.revision()).isEqualTo(1);
        });
        assertThat(apply(spec(2, "v1")).get(0).action()).isEqualTo("unchanged");
        assertThat(apply(spec(3, "v1")).get(0)).satisfies(r -> {
            assertThat(r.action()).isEqualTo("configured");
            assertThat(r.revision()).as("replicas alone never makes a revision").isEqualTo(1);
        });
        assertThat(apply(spec(3, "v2")).get(0).revision()).isEqualTo(2);
        assertThat(store.revisions("default", "portal")).extracting(Revision::number).containsExactly(1, 2);
    }

    @Test
    void aRevisionRunsACopyOfTheJarSoARebuildMakesANewRevisionAndTheOldOneStaysIntact() throws Exception {
        apply(spec(1, "v1"));
        Revision first = store.revision("default", "portal", 1).orElseThrow();
        Path pinned = Path.of(first.template().run().jar());
        assertThat(pinned).startsWith(dir.resolve("data/artifacts")).hasContent("pretend this is a jar, build 1");

        Files.writeString(jar, "pretend this is a jar, build 2");
        assertThat(apply(spec(1, "v1")).get(0)).satisfies(r -> {
            assertThat(r.action()).isEqualTo("configured");
            assertThat(r.revision()).isEqualTo(2);
        });
        assertThat(pinned).hasContent("pretend this is a jar, build 1");
        Path second = Path.of(store.revision("default", "portal", 2).orElseThrow().template().run().jar());
        assertThat(second).isNotEqualTo(pinned).hasContent("pretend this is a jar, build 2");
    }

    @Test
    void aDryRunReportsWhatWouldHappenAndStoresNothing() throws Exception {
        assertThat(apps.apply("portal.yaml", spec(2, "v1"), dir, true).get(0).action()).isEqualTo("created");
        assertThat(store.apps()).isEmpty();
        assertThat(store.events(null, null, 0, 100)).isEmpty();
    }

    @Test
    void aMissingJarIsAnErrorOnItsFieldAndNothingIsStored() {
        String twoDocs = spec(1, "v1") + "---\n" + spec(1, "v1").replace("portal", "other").replace("app.jar", "gone.jar");
        assertThatThrownBy(() -> apply(twoDocs))
                .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.errors()).singleElement()
                        .satisfies(err -> assertThat(err.path()).isEqualTo("[doc 2] spec.run.jar")));
        assertThat(store.apps()).isEmpty();
    }

    @Test
    void scaleChecksItsInputAndTheAppAndRecordsAnEvent() throws Exception {
        apply(spec(1, "v1"));
        StoredApp scaled = apps.scale("default", "portal", 4);
        assertThat(scaled.app().spec().replicas()).isEqualTo(4);
        assertThat(store.events("default", "portal", 0, 100)).anySatisfy(e ->
                assertThat(e.message()).contains("scaled from 1 to 4"));
        assertThatThrownBy(() -> apps.scale("default", "portal", -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replicas");
        assertThatThrownBy(() -> apps.scale("default", "nope", 1)).isInstanceOf(NoSuchElementException.class)
                .hasMessage("app \"nope\" not found in namespace \"default\"");
    }

    @Test
    void anAppBeingDeletedCannotBeReappliedUntilItIsGone() throws Exception {
        apply(spec(1, "v1"));
        assertThat(apps.delete("default", "portal").deleting()).isTrue();
        assertThat(apps.delete("default", "portal").deleting()).as("idempotent").isTrue();
        assertThatThrownBy(() -> apply(spec(1, "v1"))).isInstanceOf(ConflictException.class)
                .hasMessageContaining("is being deleted");
    }

    @Test
    void aRouteAlreadyRoutedToAnotherAppIsRefusedNamingItsOwner() throws Exception {
        String routed = """
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: %s}
                spec:
                  run: {jar: app.jar}
                  routes: [{host: portal.go.kr, path: /api}, {path: /%s}]
                """;
        apply(routed.formatted("first", "first"));
        assertThat(apply(routed.formatted("first", "first")).get(0).action()).as("an app may keep its own routes")
                .isEqualTo("unchanged");
        assertThatThrownBy(() -> apply(routed.formatted("second", "second")))
                .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.errors()).singleElement().satisfies(err -> {
                    assertThat(err.path()).isEqualTo("spec.routes[0]");
                    assertThat(err.message()).isEqualTo(
                            "host \"portal.go.kr\" and path \"/api\" are already routed to app default/first");
                }));
        assertThat(store.app("default", "second")).isEmpty();
    }

    @Test
    void crashBackoffStartsAtZeroAndDoublesUpToTheCap() {
        ControllerSettings s = ControllerSettings.DEFAULTS;
        assertThat(List.of(1, 2, 3, 4, 5, 6, 7, 8, 50).stream().map(n -> s.backoff(n).toSeconds()).toList())
                .containsExactly(0L, 1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L);
        assertThat(Ordinals.of(1) + Ordinals.of(2) + Ordinals.of(3) + Ordinals.of(11) + Ordinals.of(22))
                .isEqualTo("1st2nd3rd11th22nd");
    }
}
