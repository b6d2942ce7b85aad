package io.nuri.store;

import static io.nuri.store.Fixtures.T0;
import static io.nuri.store.Fixtures.app;
import static io.nuri.store.Fixtures.event;
import static io.nuri.store.Fixtures.instance;
import static io.nuri.store.Fixtures.newApp;
import static io.nuri.store.Fixtures.revision;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import io.nuri.store.Store.Change;
import io.nuri.store.Store.Change.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest {
    static final Instant NOW = Instant.parse("2026-11-03T10:00:00.123Z");

    @TempDir
    Path tmp;

    Path dataDir;
    SqliteStore store;

    @BeforeEach
    void open() {
        dataDir = tmp.resolve("data");
        store = openStore(SqliteStore.DEFAULT_MAX_EVENTS);
    }

    @AfterEach
    void close() {
        store.close();
    }

    SqliteStore openStore(int maxEvents) {
        return SqliteStore.builder(dataDir).maxEvents(maxEvents).clock(Clock.fixed(NOW, ZoneOffset.UTC)).open();
    }

    StoredApp create(StoredApp app) {
        return store.write(tx -> tx.putApp(app, 0));
    }

    @Test
    void createsAnOwnerOnlyDataDirAndFileInWalModeWithFullSync() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file()))).isEqualTo("rw-------");
        assertThat(store.file()).isEqualTo(dataDir.resolve("nuri.db").toAbsolutePath());
        assertThat(store.pragma("journal_mode")).isEqualTo("wal");
        assertThat(store.pragma("synchronous")).isEqualTo("2"); // FULL
        assertThat(store.pragma("foreign_keys")).isEqualTo("1");
        assertThat(store.pragma("busy_timeout")).isEqualTo(String.valueOf(SqliteStore.DEFAULT_BUSY_TIMEOUT_MILLIS));
        assertThat(store.pragma("user_version")).isEqualTo(String.valueOf(SqliteStore.schemaVersion()));
    }

    @Test
    void createsReadsUpdatesAndDeletesAnApp() {
        StoredApp created = create(newApp("default", "portal"));
        assertThat(created.version()).isEqualTo(1);
        assertThat(created.generation()).isEqualTo(1);
        assertThat(created.createdAt()).isEqualTo(NOW).isEqualTo(created.updatedAt());
        assertThat(store.app("default", "portal")).contains(created);
        assertThat(store.apps()).containsExactly(created);
        assertThat(store.apps("default")).containsExactly(created);
        assertThat(store.apps("other")).isEmpty();

        StoredApp scaled = new StoredApp(created.app().withSpec(created.app().spec().withReplicas(5)), 0, 0, 1, false,
                null, null);
        StoredApp updated = store.write(tx -> tx.putApp(scaled, 1));
        assertThat(updated.version()).isEqualTo(2);
        assertThat(updated.generation()).isEqualTo(2);
        assertThat(updated.app().spec().replicas()).isEqualTo(5);
        assertThat(store.app("default", "portal")).contains(updated);

        store.write(tx -> {
            tx.deleteApp("default", "portal");
            return null;
        });
        assertThat(store.app("default", "portal")).isEmpty();
        assertThat(store.apps()).isEmpty();
    }

    @Test
    void generationCountsSpecAndMetadataChangesOnly() {
        StoredApp v1 = create(newApp("default", "portal"));
        // Same spec, other status fields: version moves, generation stays.
        StoredApp v2 = store.write(tx -> tx.putApp(new StoredApp(v1.app(), 0, 0, 2, true, null, null), 1));
        assertThat(v2.version()).isEqualTo(2);
        assertThat(v2.generation()).isEqualTo(1);
        assertThat(v2.revision()).isEqualTo(2);
        assertThat(v2.deleting()).isTrue();
        // An equal app built again (maps in another order) is no change either.
        StoredApp rebuilt = new StoredApp(app("default", "portal", 2, Map.of("team", "web")), 0, 0, 2, true, null,
                null);
        assertThat(store.write(tx -> tx.putApp(rebuilt, 2)).generation()).isEqualTo(1);
        // A label is metadata: it counts.
        StoredApp labelled = new StoredApp(Fixtures.withLabels(v1.app(), Map.of("team", "ops")), 0, 0, 2, true, null,
                null);
        StoredApp v4 = store.write(tx -> tx.putApp(labelled, 3));
        assertThat(v4.version()).isEqualTo(4);
        assertThat(v4.generation()).isEqualTo(2);
        assertThat(v4.createdAt()).isEqualTo(v1.createdAt());
    }

    @Test
    void staleUpdateIsAConflictAndChangesNothing() {
        StoredApp v1 = create(newApp("default", "portal"));
        StoredApp v2 = store.write(tx -> tx.putApp(v1, 1));
        StoredApp stale = new StoredApp(v1.app().withSpec(v1.app().spec().withReplicas(9)), 0, 0, 1, false, null, null);

        assertThatThrownBy(() -> store.write(tx -> tx.putApp(stale, 1)))
                .isInstanceOf(ConflictException.class)
                .hasMessage("app default/portal was changed by someone else (version 2, you had 1); re-read and retry");
        assertThat(store.app("default", "portal")).contains(v2);
    }

    @Test
    void creatingAnExistingAppIsAConflict() {
        StoredApp v1 = create(newApp("default", "portal"));
        assertThatThrownBy(() -> create(newApp("default", "portal")))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("app default/portal already exists (version 1)");
        assertThat(store.apps()).containsExactly(v1);
        // Same name in another namespace is another app.
        assertThat(create(newApp("team-b", "portal")).version()).isEqualTo(1);
    }

    @Test
    void updatingADeletedAppIsAConflict() {
        StoredApp v1 = create(newApp("default", "portal"));
        store.write(tx -> {
            tx.deleteApp("default", "portal");
            return null;
        });
        assertThatThrownBy(() -> store.write(tx -> tx.putApp(v1, 1)))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("default/portal was deleted");
        assertThat(store.apps()).isEmpty();
    }

    @Test
    void aWriteWhoseWorkThrowsLeavesTheStoreUnchangedAndNotifiesNobody() {
        StoredApp portal = create(newApp("default", "portal"));
        List<Change> heard = new CopyOnWriteArrayList<>();
        store.watch(heard::add);
        IllegalStateException boom = new IllegalStateException("boom");

        assertThatThrownBy(() -> store.write(tx -> {
            tx.putApp(newApp("default", "api"), 0);
            tx.putApp(portal, 1);
            tx.putRevision(revision(portal, 1));
            tx.putInstance(instance(portal, "portal-1"));
            tx.appendEvent(event("default", "portal", "never"));
            throw boom;
        })).isSameAs(boom);

        assertThat(store.apps()).containsExactly(portal);
        assertThat(store.revisions("default", "portal")).isEmpty();
        assertThat(store.instances()).isEmpty();
        assertThat(store.events(null, null, 0, 10)).isEmpty();
        assertThat(heard).isEmpty();
        // The store is still usable after a rollback, and the next event id is not skipped.
        Event first = store.write(tx -> tx.appendEvent(event("default", "portal", "after")));
        assertThat(first.id()).isEqualTo(1);
    }

    @Test
    void aReadOutsideTheTransactionNeverSeesAWriteInProgress() throws Exception {
        CountDownLatch written = new CountDownLatch(1);
        CountDownLatch checked = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> writer = pool.submit(() -> store.write(tx -> {
                tx.putApp(newApp("default", "portal"), 0);
                written.countDown();
                await(checked);
                return null;
            }));
            await(written);
            assertThat(store.app("default", "portal")).isEmpty();
            assertThat(store.apps()).isEmpty();
            checked.countDown();
            writer.get(10, TimeUnit.SECONDS);
            assertThat(store.app("default", "portal")).isPresent();
        } finally {
            checked.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void watchersHearEachChangeOnceAfterCommitAndReadTheCommittedState() throws Exception {
        List<Change> heard = new CopyOnWriteArrayList<>();
        List<Optional<StoredApp>> seen = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        store.watch(c -> {
            throw new IllegalStateException("a broken watcher");
        });
        AutoCloseable handle = store.watch(c -> {
            heard.add(c);
            seen.add(store.app(c.namespace(), c.app()));
            threads.add(Thread.currentThread().getName());
        });

        StoredApp portal = create(newApp("default", "portal"));
        assertThat(heard).containsExactly(new Change(Kind.APP, "default", "portal"));
        assertThat(seen).containsExactly(Optional.of(portal));
        assertThat(threads).containsOnly(Thread.currentThread().getName());

        heard.clear();
        store.write(tx -> {
            tx.putInstance(instance(portal, "portal-1"));
            tx.putInstance(instance(portal, "portal-2"));
            tx.putInstance(instance(portal, "portal-1").withState(InstanceState.Unready, "probe failed"));
            tx.appendEvent(event("default", "portal", "a"));
            tx.appendEvent(event("default", "portal", "b"));
            tx.putRevision(revision(portal, 1));
            return null;
        });
        assertThat(heard).containsExactly(new Change(Kind.INSTANCE, "default", "portal"),
                new Change(Kind.EVENT, "default", "portal"), new Change(Kind.APP, "default", "portal"));

        heard.clear();
        handle.close();
        create(newApp("default", "api"));
        assertThat(heard).isEmpty();
    }

    @Test
    void aWatcherMayWriteAgain() {
        AtomicInteger calls = new AtomicInteger();
        store.watch(c -> {
            if (c.kind() == Kind.APP && calls.getAndIncrement() == 0) {
                store.write(tx -> tx.appendEvent(event(c.namespace(), c.app(), "created")));
            }
        });
        create(newApp("default", "portal"));
        assertThat(store.events("default", "portal", 0, 10)).extracting(Event::message).containsExactly("created");
    }

    @Test
    void writeInsideWriteAndTxAfterWriteAreRefused() {
        assertThatThrownBy(() -> store.write(tx -> store.write(inner -> null)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("inside a write transaction");
        Store.Tx leaked = store.write(tx -> tx);
        assertThatThrownBy(() -> leaked.app("default", "portal")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void revisionsAreKeptInOrderAndNumbersAreUnique() {
        StoredApp portal = create(newApp("default", "portal"));
        store.write(tx -> {
            tx.putRevision(revision(portal, 2));
            tx.putRevision(revision(portal, 1));
            assertThat(tx.revisions("default", "portal")).extracting(Revision::number).containsExactly(1, 2);
            return null;
        });
        assertThat(store.revisions("default", "portal")).containsExactly(revision(portal, 1), revision(portal, 2));
        assertThat(store.revision("default", "portal", 2)).contains(revision(portal, 2));
        assertThat(store.revision("default", "portal", 3)).isEmpty();

        assertThatThrownBy(() -> store.write(tx -> {
            tx.putRevision(revision(portal, 2));
            return null;
        })).isInstanceOf(ConflictException.class).hasMessage("revision 2 of app default/portal already exists");

        StoredApp ghost = newApp("default", "ghost");
        assertThatThrownBy(() -> store.write(tx -> {
            tx.putRevision(revision(ghost, 1));
            return null;
        })).isInstanceOf(ConflictException.class).hasMessageContaining("app default/ghost does not exist");
    }

    @Test
    void instancesAreStoredWithTheirHandleAndExactTimes() {
        StoredApp portal = create(newApp("default", "portal"));
        StoredApp api = create(newApp("default", "api"));
        Instance p1 = instance(portal, "portal-1");
        Instance p2 = instance(portal, "portal-2").toBuilder().lastExitCode(null).reason(null).handle(null)
                .state(InstanceState.Pending).nextRestartAt(T0.plusSeconds(4)).build();
        Instance a1 = instance(api, "api-1");
        store.write(tx -> {
            tx.putInstance(p2);
            tx.putInstance(a1);
            tx.putInstance(p1);
            assertThat(tx.instance("portal-1")).contains(p1);
            return null;
        });

        assertThat(store.instance("portal-1")).contains(p1);
        assertThat(store.instance("portal-1").orElseThrow().handle()).isEqualTo("{\"pid\":4242,\"startTime\":1730000000}");
        assertThat(store.instance("portal-2")).contains(p2);
        assertThat(store.instances("default", "portal")).containsExactly(p1, p2);
        assertThat(store.instances()).containsExactly(a1, p1, p2);

        Instance restarted = p1.toBuilder().restarts(3).pid(5151).handle("{\"pid\":5151}").build();
        store.write(tx -> {
            tx.putInstance(restarted);
            tx.deleteInstance("portal-2");
            tx.deleteInstance("no-such-instance");
            return null;
        });
        assertThat(store.instances("default", "portal")).containsExactly(restarted);
        assertThat(store.instance("portal-2")).isEmpty();

        Instance orphan = instance(newApp("default", "ghost"), "ghost-1");
        assertThatThrownBy(() -> store.write(tx -> {
            tx.putInstance(orphan);
            return null;
        })).isInstanceOf(ConflictException.class).hasMessageContaining("app default/ghost does not exist");
    }

    @Test
    void deletingAnAppRemovesItsRevisionsAndInstancesOnly() {
        StoredApp portal = create(newApp("default", "portal"));
        StoredApp api = create(newApp("default", "api"));
        store.write(tx -> {
            tx.putRevision(revision(portal, 1));
            tx.putRevision(revision(api, 1));
            tx.putInstance(instance(portal, "portal-1"));
            tx.putInstance(instance(api, "api-1"));
            tx.appendEvent(event("default", "portal", "kept"));
            return null;
        });
        store.write(tx -> {
            tx.deleteApp("default", "portal");
            return null;
        });
        assertThat(store.revisions("default", "portal")).isEmpty();
        assertThat(store.instances("default", "portal")).isEmpty();
        assertThat(store.revisions("default", "api")).hasSize(1);
        assertThat(store.instances()).extracting(Instance::id).containsExactly("api-1");
        assertThat(store.events("default", "portal", 0, 10)).hasSize(1); // history outlives the app
    }

    @Test
    void eventsArePagedOldestFirstAndFiltered() {
        store.write(tx -> {
            for (int i = 1; i <= 10; i++) {
                tx.appendEvent(event(i % 2 == 0 ? "default" : "team-b", i % 3 == 0 ? "api" : "portal", "e" + i));
            }
            tx.appendEvent(new Event(0, null, null, null, null, Event.WARNING, "Platform", "no app"));
            return null;
        });
        List<Event> all = store.events(null, null, 0, 100);
        assertThat(all).extracting(Event::id).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
        assertThat(all.get(0)).isEqualTo(new Event(1, T0, "team-b", "portal", null, Event.NORMAL, "Test", "e1"));
        assertThat(all.get(10).time()).isEqualTo(NOW); // time filled in by the store

        List<Event> paged = new ArrayList<>();
        long after = 0;
        for (List<Event> page; !(page = store.events(null, null, after, 4)).isEmpty(); after = page.getLast().id()) {
            assertThat(page.size()).isLessThanOrEqualTo(4);
            paged.addAll(page);
        }
        assertThat(paged).isEqualTo(all);

        assertThat(store.events("default", null, 0, 100)).extracting(Event::message)
                .containsExactly("e2", "e4", "e6", "e8", "e10");
        assertThat(store.events("default", "portal", 0, 100)).extracting(Event::message)
                .containsExactly("e2", "e4", "e8", "e10");
        assertThat(store.events("default", "portal", 4, 2)).extracting(Event::message).containsExactly("e8", "e10");
        assertThat(store.events(null, "api", 0, 100)).extracting(Event::message).containsExactly("e3", "e6", "e9");
        assertThat(store.events(null, null, 0, 0)).isEmpty();
    }

    @Test
    void theEventLogKeepsTheNewestMaxEvents() {
        store.close();
        store = openStore(100);
        for (int batch = 0; batch < 25; batch++) {
            store.write(tx -> {
                for (int i = 0; i < 10; i++) {
                    tx.appendEvent(event("default", "portal", "x"));
                }
                return null;
            });
        }
        List<Event> kept = store.events(null, null, 0, 1000);
        assertThat(kept).hasSize(100);
        assertThat(kept.getFirst().id()).isEqualTo(151);
        assertThat(kept.getLast().id()).isEqualTo(250);

        // A smaller limit applies at the next open.
        store.close();
        store = openStore(30);
        assertThat(store.events(null, null, 0, 1000)).extracting(Event::id).hasSize(30).startsWith(221L);
    }

    @Test
    void aReopenedStoreHasEverythingWithExactTimes() {
        StoredApp portal = create(newApp("default", "portal"));
        StoredApp updated = store.write(tx -> tx.putApp(portal, 1));
        Instance p1 = instance(portal, "portal-1");
        Event e = store.write(tx -> {
            tx.putRevision(revision(portal, 1));
            tx.putInstance(p1);
            return tx.appendEvent(event("default", "portal", "hello"));
        });
        store.close();

        store = SqliteStore.open(dataDir);
        assertThat(store.apps()).containsExactly(updated);
        assertThat(store.revisions("default", "portal")).containsExactly(revision(portal, 1));
        assertThat(store.instances()).containsExactly(p1);
        assertThat(store.instance("portal-1").orElseThrow().readyAt()).isEqualTo(T0.plusNanos(1));
        assertThat(store.events(null, null, 0, 10)).containsExactly(e);
        assertThat(e.time()).isEqualTo(T0);
    }

    @Test
    void aSchemaNewerThanTheCodeIsRefused() throws Exception {
        store.close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("nuri.db"));
                Statement s = c.createStatement()) {
            s.executeUpdate("PRAGMA user_version = 5");
        }
        assertThatThrownBy(() -> SqliteStore.open(dataDir))
                .isInstanceOf(StoreException.class)
                .hasMessageEndingWith("nuri.db schema version 5 is newer than this Nuri (knows "
                        + SqliteStore.schemaVersion() + "); upgrade Nuri");
    }

    @Test
    void aFileThatIsNotADatabaseIsRefusedWithItsPath() throws Exception {
        store.close();
        Path other = tmp.resolve("garbage");
        Files.createDirectories(other);
        Files.writeString(other.resolve("nuri.db"), "this is not a database, just text ".repeat(100));
        assertThatThrownBy(() -> SqliteStore.open(other))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(other.resolve("nuri.db").toString());
    }

    @Test
    void aClosedStoreRefusesUse() {
        store.close();
        store.close(); // idempotent
        assertThatThrownBy(() -> store.apps()).isInstanceOf(StoreException.class).hasMessageContaining("is closed");
        assertThatThrownBy(() -> store.write(tx -> null)).isInstanceOf(StoreException.class)
                .hasMessageContaining("is closed");
    }

    @Test
    void concurrentWritersWithRetryLoseNoUpdate() throws Exception {
        create(newApp("default", "counter"));
        int threads = 8;
        int perThread = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        while (true) {
                            // Read outside the transaction, like an API client, so writers race.
                            StoredApp current = store.app("default", "counter").orElseThrow();
                            Map<String, String> labels = new HashMap<>(current.app().metadata().labels());
                            labels.merge("count", "1", (a, b) -> Integer.toString(Integer.parseInt(a) + 1));
                            StoredApp next = new StoredApp(Fixtures.withLabels(current.app(), labels), 0, 0,
                                    current.revision(), false, null, null);
                            try {
                                store.write(tx -> tx.putApp(next, current.version()));
                                break;
                            } catch (ConflictException e) {
                                // someone else won this round: re-read and retry
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        StoredApp result = store.app("default", "counter").orElseThrow();
        assertThat(result.app().metadata().labels()).containsEntry("count", String.valueOf(threads * perThread));
        assertThat(result.version()).isEqualTo(1 + threads * perThread);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
