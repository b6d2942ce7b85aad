package io.nuri.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The operator against the mock API server: CR create, change, invalid change and deletion. */
@EnableKubernetesMockClient(crud = true)
class AppOperatorTest {
    KubernetesMockServer server;
    KubernetesClient client;

    private static GenericKubernetesResource cr(String specYaml) {
        Map<String, Object> spec = new KubernetesSerialization().unmarshal(specYaml, Map.class);
        GenericKubernetesResource r = new GenericKubernetesResourceBuilder().withApiVersion("nuri.io/v1").withKind("App")
                .withNewMetadata().withName("portal").withNamespace("egov").endMetadata().build();
        r.setAdditionalProperty("spec", spec);
        return r;
    }

    private Deployment deployment() {
        return client.apps().deployments().inNamespace("egov").withName("portal").get();
    }

    /**
     * A user's edit of the App: the operator writes the status at the same time, so an edit can meet
     * a 409 (stale resourceVersion) like kubectl's; it is read again and retried, as a user would.
     */
    private static void editSpec(io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource> app,
            java.util.function.UnaryOperator<GenericKubernetesResource> change) {
        for (int attempt = 1; ; attempt++) {
            try {
                app.edit(change);
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) {
                    throw e;
                }
            }
        }
    }

    private GenericKubernetesResource app() {
        return client.genericKubernetesResources(AppOperator.APP_CRD).inNamespace("egov").withName("portal").get();
    }

    @Test
    void reconcilesCreateChangeInvalidAndDelete() {
        // the mock learns the App kind as a cluster learns it from deploy/kubernetes/crd.yaml (status subresource)
        server.expectCustomResource(new io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext.Builder()
                .withGroup("nuri.io").withVersion("v1").withKind("App").withPlural("apps").withScope("Namespaced")
                .withStatusSubresource(true).build());
        var apps = client.genericKubernetesResources(AppOperator.APP_CRD).inNamespace("egov");
        apps.resource(cr("""
                run: {jar: app.jar}
                replicas: 2
                probes: {readiness: {http: {path: /health}}}
                routes: [{path: /}]
                """)).create();
        try (AppOperator operator = new AppOperator(client, new KubernetesSync(client, MappingOptions.DEFAULTS), null).start(1000)) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Deployment d = deployment();
                assertThat(d).isNotNull();
                assertThat(d.getSpec().getReplicas()).isEqualTo(2);
                assertThat(d.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
                    assertThat(o.getKind()).isEqualTo("App");
                    assertThat(o.getName()).isEqualTo("portal");
                    assertThat(o.getController()).isTrue();
                });
            });
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(app().getMetadata().getFinalizers()).contains(AppOperator.FINALIZER);
                assertThat(client.network().v1().ingresses().inNamespace("egov").withName("portal").get()).isNotNull();
            });
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                @SuppressWarnings("unchecked")
                Map<String, Object> status = (Map<String, Object>) app().getAdditionalProperties().get("status");
                assertThat(status).isNotNull().containsEntry("replicas", 2).containsKey("notMapped");
            });

            editSpec(apps.withName("portal"), r -> {
                r.setAdditionalProperty("spec", cr("""
                        run: {jar: app.jar}
                        replicas: 4
                        probes: {readiness: {http: {path: /health}}}
                        """).getAdditionalProperties().get("spec"));
                return r;
            });
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(deployment().getSpec().getReplicas()).isEqualTo(4);
                assertThat(client.network().v1().ingresses().inNamespace("egov").withName("portal").get()).isNull();
            });

            // an invalid spec changes nothing on the cluster and says why in the status
            editSpec(apps.withName("portal"), r -> {
                r.setAdditionalProperty("spec", Map.of("run", Map.of("jar", "app.jar"), "replicas", -1));
                return r;
            });
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                @SuppressWarnings("unchecked")
                Map<String, Object> status = (Map<String, Object>) app().getAdditionalProperties().get("status");
                assertThat(status).containsEntry("phase", "Invalid");
                assertThat((List<?>) status.get("errors")).anySatisfy(e -> assertThat(e.toString()).contains("spec.replicas"));
            });
            assertThat(deployment().getSpec().getReplicas()).isEqualTo(4);

            apps.withName("portal").delete();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(deployment()).isNull();
                assertThat(client.services().inNamespace("egov").withName("portal").get()).isNull();
                assertThat(app()).isNull(); // the finalizer was removed, so the App is gone
            });
        }
    }
}
