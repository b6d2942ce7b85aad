package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nuri server --driver kubernetes} as a real server process against fabric8's mock API
 * server (CRUD mode): the CLI applies, scales and deletes as always and the cluster follows; pods
 * come back as instances.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class KubernetesDriverE2ETest {
    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path tmp;

    @Test
    void applyScaleAndDeleteDriveTheClusterAndPodsShowAsInstances() throws Exception {
        Path kubeconfig = tmp.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "%s"}}]
                contexts: [{name: mock, context: {cluster: mock, user: mock}}]
                current-context: mock
                users: [{name: mock, user: {token: test}}]
                """.formatted(client.getMasterUrl().toString()));
        try (ServerProcess nuri = ServerProcess.start(tmp.resolve("data"), "--driver", "kubernetes",
                "--kubeconfig", kubeconfig.toString(), "--k8s-namespace", "agency")) {
            nuri.apply(tmp.resolve("portal.yaml"),
                    TestApps.sample("portal").replicas(2).env("APP_VERSION", "v1").route("/").yaml());
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Deployment d = client.apps().deployments().inNamespace("agency").withName("portal").get();
                assertThat(d).as("Deployment; server log:%n%s", nuri.log()).isNotNull();
                assertThat(d.getSpec().getReplicas()).isEqualTo(2);
                assertThat(client.network().v1().ingresses().inNamespace("agency").withName("portal").get()).isNotNull();
            });

            assertThat(nuri.nuri("scale", "app", "portal", "--replicas", "3").code()).isZero();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                    client.apps().deployments().inNamespace("agency").withName("portal").get().getSpec().getReplicas()).isEqualTo(3));

            client.pods().inNamespace("agency").resource(new PodBuilder().withNewMetadata().withName("portal-7d9f-abc")
                    .addToLabels("nuri.io/app", "portal").endMetadata()
                    .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition()
                    .endStatus().build()).create();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode list = nuri.nuri("get", "instances", "portal", "-o", "json").json();
                List<JsonNode> items = StreamSupport.stream(list.spliterator(), false).toList();
                assertThat(items).singleElement().satisfies(i -> {
                    assertThat(i.path("id").asText()).isEqualTo("portal-7d9f-abc");
                    assertThat(i.path("state").asText()).isEqualTo("Ready");
                });
            });
            // log search reads the pod's log through the API server (kubelet timestamps become the lines' times)
            server.expect().get().withPath("/api/v1/namespaces/agency/pods/portal-7d9f-abc/log?pretty=false&container=portal"
                    + "&tailLines=" + PodLogs.SEARCH_TAIL_LINES + "&timestamps=true")
                    .andReturn(200, "2026-11-25T03:00:00.5Z started\n2026-11-25T03:00:01Z GET /orders 200\n").always();
            var search = nuri.nuri("logs", "portal", "--grep", "orders");
            assertThat(search.out()).as("logs --grep; err: %s", search.err())
                    .isEqualTo("2026-11-25T03:00:01Z [portal-7d9f-abc] GET /orders 200\n");
            var access = nuri.nuri("logs", "portal", "--access", "--grep", "x");
            assertThat(access.code()).isNotZero();
            assertThat(access.err()).contains("access log lives with the gateway");
            var accessTail = nuri.nuri("logs", "portal", "--access");
            assertThat(accessTail.code()).isNotZero();
            assertThat(accessTail.err()).contains("access log lives with the gateway");
            // the cluster's own events about the app's pods come through as Nuri events
            client.v1().events().inNamespace("agency").resource(new io.fabric8.kubernetes.api.model.EventBuilder()
                    .withNewMetadata().withName("portal-7d9f-abc.1").withNamespace("agency").endMetadata()
                    .withNewInvolvedObject().withKind("Pod").withName("portal-7d9f-abc").withNamespace("agency").endInvolvedObject()
                    .withType("Warning").withReason("BackOff").withMessage("Back-off restarting failed container")
                    .withCount(1).withLastTimestamp("2026-11-25T03:00:00Z").build()).create();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(nuri.nuri("events", "portal").out())
                    .contains("Synced").contains("NotMapped").contains("BackOff").contains("Back-off restarting failed container"));

            assertThat(nuri.nuri("delete", "app", "portal").code()).isZero();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(client.apps().deployments().inNamespace("agency").withName("portal").get()).isNull();
                assertThat(client.services().inNamespace("agency").withName("portal").get()).isNull();
            });
        }
    }
}
