package io.nuri.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.nuri.api.codec.SpecDecoder;
import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.StoredApp;
import io.nuri.apm.ApmHub;
import io.nuri.store.AlertRecord;
import io.nuri.store.SqliteStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loop's passes driven by hand on a real store: what is stored, logged, and read back after a restart. */
class AlertEngineTest {
    static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    @TempDir
    Path dataDir;

    static StoredApp app(String name, int replicas) throws Exception {
        var app = SpecDecoder.decode("t.yaml", """
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: %s}
                spec:
                  run: {jar: /opt/%s.jar}
                  replicas: %d
                """.formatted(name, name, replicas), Path.of("/")).getFirst();
        return new StoredApp(app, 0, 0, 1, false, null, null);
    }

    static Instance instance(String id, InstanceState state, int restarts) {
        return new Instance.Builder().id(id).namespace("default").app("portal").revision(1).state(state).restarts(restarts)
                .createdAt(T0).build();
    }

    AlertEngine engine(SqliteStore store) {
        Observer observer = new Observer(store, new ApmHub(T0::toEpochMilli), id -> 0);
        WebhookNotifier quiet = new WebhookNotifier(k -> null, e -> {});
        return new AlertEngine(store, observer, quiet, Clock.fixed(T0, java.time.ZoneOffset.UTC), Duration.ofSeconds(1));
    }

    List<String> alertEvents(SqliteStore store) {
        return store.events(null, null, 0, 100).stream().filter(e -> e.reason().startsWith("Alert"))
                .map(e -> e.reason() + " " + e.instance() + " " + e.message()).toList();
    }

    @Test
    void aKilledInstanceFiresAtOnceStaysFiringAcrossARestartAndResolvesWhenReady() throws Exception {
        try (SqliteStore store = SqliteStore.open(dataDir)) {
            StoredApp portal = app("portal", 1);
            store.write(tx -> tx.putApp(portal, 0));
            store.write(tx -> {
                tx.putInstance(instance("portal-1", InstanceState.Ready, 0));
                return null;
            });
            AlertEngine first = engine(store);
            first.load();
            first.evaluateOnce(T0);
            assertThat(store.alerts(Set.of(), null, null, 10)).isEmpty();

            // kill -9: the controller restarts at once; the loop only sees the counter move.
            store.write(tx -> {
                tx.putInstance(instance("portal-1", InstanceState.Starting, 1));
                return null;
            });
            first.evaluateOnce(T0.plusSeconds(1));
            AlertRecord firing = store.alerts(Set.of("firing"), null, null, 10).getFirst();
            assertThat(firing.rule()).isEqualTo("instance-terminated");
            assertThat(firing.instance()).isEqualTo("portal-1");
            assertThat(firing.since()).isEqualTo(T0.plusSeconds(1));
            assertThat(firing.severity()).isEqualTo("critical");
            first.evaluateOnce(T0.plusSeconds(2));
            assertThat(store.alerts(Set.of("firing"), null, null, 10)).as("still starting: still down").hasSize(1);
            first.close();

            // A platform restart: a new engine reads the firing alert back and does not announce it again.
            AlertEngine second = engine(store);
            second.load();
            second.evaluateOnce(T0.plusSeconds(3));
            assertThat(alertEvents(store)).hasSize(1);

            store.write(tx -> {
                tx.putInstance(instance("portal-1", InstanceState.Ready, 1));
                return null;
            });
            second.evaluateOnce(T0.plusSeconds(4));
            assertThat(store.alerts(Set.of("firing"), null, null, 10)).isEmpty();
            AlertRecord resolved = store.alerts(Set.of("resolved"), null, null, 10).getFirst();
            assertThat(resolved.id()).isEqualTo(firing.id());
            assertThat(resolved.resolvedAt()).isEqualTo(T0.plusSeconds(4));
            assertThat(alertEvents(store)).containsExactly(
                    "AlertFiring portal-1 [critical] instance-terminated: Instance portal-1 of portal is down"
                            + " (terminated unexpectedly or not ready) (alert " + firing.id() + ")",
                    "AlertResolved portal-1 [critical] instance-terminated: resolved after 3 s: Instance portal-1 of"
                            + " portal is down (terminated unexpectedly or not ready) (alert " + firing.id() + ")");
            Event fired = store.events(null, null, 0, 100).stream().filter(e -> e.reason().equals("AlertFiring"))
                    .findFirst().orElseThrow();
            assertThat(fired.type()).isEqualTo(Event.WARNING);
            second.close();
        }
    }

    @Test
    void aStoredRuleReplacesTheDefaultsOfItsNamespace() throws Exception {
        try (SqliteStore store = SqliteStore.open(dataDir)) {
            StoredApp portal = app("portal", 1);
            store.write(tx -> tx.putApp(portal, 0));
            AlertEngine engine = engine(store);
            engine.load();
            engine.evaluateOnce(T0);
            assertThat(engine.effectiveRules()).extracting(AlertRule::name).contains("instance-terminated", "low-apdex");

            new AlertRuleService(store).apply("r.yaml", """
                    apiVersion: nuri.io/v1
                    kind: AlertRule
                    metadata: {name: few-ready}
                    spec: {metric: readyInstances, condition: {op: "<", threshold: 2}, severity: info}
                    """, false);
            engine.evaluateOnce(T0.plusSeconds(1));
            assertThat(engine.effectiveRules()).extracting(AlertRule::name).containsExactly("few-ready");
            assertThat(store.alerts(Set.of("firing"), null, null, 10)).extracting(AlertRecord::summary)
                    .containsExactly("readyInstances of portal is 0 (< 2)");
            engine.close();
        }
    }
}
