package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nuri.alerts.AlertRuleService;
import io.nuri.api.model.Instance;
import io.nuri.control.AppService;
import io.nuri.control.ArtifactStore;
import io.nuri.kubernetes.AppManifests;
import io.nuri.kubernetes.KubernetesSync;
import io.nuri.kubernetes.MappingOptions;
import io.nuri.store.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kubernetes backend's pods as instances, one reconcile at a time against the mock API server (CRUD mode). */
@EnableKubernetesMockClient(crud = true, https = false)
class KubernetesBackendTest {
    KubernetesClient client;

    @TempDir
    Path tmp;

    SqliteStore store;
    AppService apps;
    KubernetesBackend backend;
    Path jar;

    @BeforeEach
    void setUp() throws Exception {
        store = SqliteStore.open(tmp.resolve("data"));
        apps = new AppService(store, new ArtifactStore(tmp.resolve("artifacts")), Clock.systemUTC());
        jar = Files.writeString(tmp.resolve("portal.jar"), "not really a jar");
        backend = new KubernetesBackend(store, client, new KubernetesSync(client, MappingOptions.DEFAULTS), Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        store.close(); // the backend was never started; the extension closes the client
    }

    private void apply(String version) throws Exception {
        KindRouter.apply(apps, new AlertRuleService(store), "portal.yaml", """
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: portal}
                spec: {run: {jar: %s}, env: {APP_VERSION: %s}}
                """.formatted(jar, version), tmp, false);
    }

    /** A pod as its ReplicaSet makes it: the app's label and the spec hash of the template it came from. */
    private void pod(String name) {
        String hash = AppManifests.specHash(store.app("default", "portal").orElseThrow().app());
        client.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName(name)
                .addToLabels(AppManifests.APP_LABEL, "portal").addToAnnotations(AppManifests.SPEC_HASH, hash).endMetadata()
                .withNewStatus().withPhase("Running").endStatus().build()).create();
    }

    private int revision(String pod) {
        return store.instance(pod).map(Instance::revision).orElseThrow();
    }

    @Test
    void aPodKeepsTheRevisionOfTheSpecItWasMadeFromWhileARolloutReplacesIt() throws Exception {
        apply("v1");
        pod("portal-old");
        backend.reconcileAll();
        assertThat(revision("portal-old")).isEqualTo(1);

        apply("v2");
        pod("portal-new");
        backend.reconcileAll();
        assertThat(revision("portal-old")).as("made from revision 1's spec").isEqualTo(1);
        assertThat(revision("portal-new")).isEqualTo(2);
    }
}
