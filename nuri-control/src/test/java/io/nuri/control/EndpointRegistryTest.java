package io.nuri.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.nuri.api.model.Endpoint;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.RoutingTable;
import io.nuri.store.SqliteStore;
import io.nuri.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EndpointRegistryTest {
    @TempDir
    Path dir;

    @Test
    void onlyReadyInstancesOfAppsNotBeingDeletedAreEndpointsAndSubscribersHearOfEveryChangeBeforeTheWriteReturns()
            throws Exception {
        try (Store store = SqliteStore.open(dir.resolve("data"))) {
            Files.writeString(dir.resolve("app.jar"), "jar");
            AppService apps = new AppService(store, new ArtifactStore(dir.resolve("data/artifacts")), Clock.systemUTC());
            apps.apply("a.yaml", """
                    apiVersion: nuri.io/v1
                    kind: App
                    metadata: {name: web}
                    spec:
                      run: {jar: app.jar}
                      resources: {cpu: 500m}
                      routes: [{host: portal.example.go.kr, path: /api}]
                    """, dir, false);
            EndpointRegistry registry = new EndpointRegistry(store);
            registry.start();
            List<RoutingTable> seen = new ArrayList<>();
            registry.subscribe(seen::add);

            Instance ready = instance("web-1", InstanceState.Ready, 4001);
            store.write(tx -> {
                tx.putInstance(ready);
                tx.putInstance(instance("web-2", InstanceState.Starting, 4002));
                return null;
            });
            List<Endpoint> endpoints = registry.endpoints("default", "web");
            assertThat(endpoints).singleElement().satisfies(e -> {
                assertThat(e.instanceId()).isEqualTo("web-1");
                assertThat(e.authority()).isEqualTo("127.0.0.1:4001");
                assertThat(e.weight()).isEqualTo(50);
            });
            assertThat(registry.table().apps().get(0).routes()).singleElement()
                    .satisfies(r -> assertThat(r.path()).isEqualTo("/api"));

            store.write(tx -> {
                tx.putInstance(ready.withState(InstanceState.Terminating, "scaled down"));
                return null;
            });
            // Synchronous: by the time write() returned the subscriber had the table without web-1.
            assertThat(seen.getLast().apps().get(0).endpoints()).isEmpty();
            long version = registry.table().version();
            store.write(tx -> {
                tx.appendEvent(io.nuri.api.model.Event.normal("default", "web", null, "Noise", "no routing change"));
                return null;
            });
            assertThat(registry.table().version()).as("no rebuild for events").isEqualTo(version);

            apps.delete("default", "web");
            assertThat(registry.table().apps()).isEmpty();
            registry.close();
        }
    }

    private static Instance instance(String id, InstanceState state, int port) {
        return new Instance.Builder().id(id).namespace("default").app("web").revision(1).state(state).pid(1)
                .port(port).createdAt(Instant.now()).readyAt(Instant.now()).build();
    }
}
