package io.nuri.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

/** The sync against fabric8's mock API server in CRUD mode (a real HTTP API, objects kept in memory). */
@EnableKubernetesMockClient(crud = true)
class KubernetesSyncTest {
    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void applyUpdateAndDeleteChangeExactlyWhatDiffers() {
        KubernetesSync sync = new KubernetesSync(client, MappingOptions.DEFAULTS);
        KubernetesSync.Result first = sync.sync(Apps.portal(), null);
        assertThat(first.created()).containsExactlyInAnyOrder("ConfigMap/portal-env", "Secret/portal-secret",
                "PersistentVolumeClaim/portal-uploads", "Deployment/portal", "Service/portal", "PodDisruptionBudget/portal",
                "Ingress/portal");
        Deployment d = client.apps().deployments().inNamespace("egov").withName("portal").get();
        assertThat(d.getSpec().getReplicas()).isEqualTo(3);
        assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getReadinessProbe().getHttpGet().getPath())
                .isEqualTo("/health");

        KubernetesSync.Result again = sync.sync(Apps.portal(), null);
        assertThat(again.created()).isEmpty();
        assertThat(again.updated()).isEmpty();
        assertThat(again.deleted()).isEmpty();

        KubernetesSync.Result scaled = sync.sync(Apps.portalWith("replicas: 3", "replicas: 5"), null);
        assertThat(scaled.updated()).containsExactly("Deployment/portal");
        assertThat(client.apps().deployments().inNamespace("egov").withName("portal").get().getSpec().getReplicas()).isEqualTo(5);

        // routes and the secret env leave the spec: their objects go; the volume claim stays
        String noRoutes = Apps.PORTAL.substring(0, Apps.PORTAL.indexOf("  routes:")).replace("    DB_PASSWORD: s3cret\n", "")
                .replace("  volumes:\n    - name: uploads\n", "");
        KubernetesSync.Result trimmed = sync.sync(Apps.decode(noRoutes), null);
        assertThat(trimmed.deleted()).containsExactlyInAnyOrder("Ingress/portal", "Secret/portal-secret");
        assertThat(client.network().v1().ingresses().inNamespace("egov").withName("portal").get()).isNull();
        assertThat(client.persistentVolumeClaims().inNamespace("egov").withName("portal-uploads").get()).isNotNull();

        assertThat(sync.delete("egov", "portal")).contains("Deployment/portal", "Service/portal", "ConfigMap/portal-env");
        assertThat(client.apps().deployments().inNamespace("egov").withName("portal").get()).isNull();
        assertThat(client.services().inNamespace("egov").withName("portal").get()).isNull();
        assertThat(client.persistentVolumeClaims().inNamespace("egov").withName("portal-uploads").get())
                .as("data outlives the app").isNotNull();
    }

    @Test
    void podsFlowBackAsInstances() {
        KubernetesSync sync = new KubernetesSync(client, MappingOptions.DEFAULTS);
        sync.sync(Apps.portal(), null);
        client.pods().inNamespace("egov").resource(pod("portal-a", "Running", true, 0)).create();
        client.pods().inNamespace("egov").resource(pod("portal-b", "Running", false, 2)).create();
        client.pods().inNamespace("egov").resource(pod("portal-c", "Pending", false, 0)).create();
        client.pods().inNamespace("egov").resource(new PodBuilder().withNewMetadata().withName("other").withNamespace("egov")
                .addToLabels(AppManifests.APP_LABEL, "other").endMetadata().build()).create();
        Deployment d = client.apps().deployments().inNamespace("egov").withName("portal").get();
        d.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder().withReadyReplicas(1).withUpdatedReplicas(3)
                .withAvailableReplicas(1).addNewCondition().withType("Progressing").withStatus("False")
                .withReason("ProgressDeadlineExceeded").withMessage("took too long").endCondition().build());
        client.apps().deployments().inNamespace("egov").resource(d).updateStatus();

        AppClusterStatus s = sync.status("egov", "portal");
        assertThat(s.desired()).isEqualTo(3);
        assertThat(s.ready()).isEqualTo(1);
        assertThat(s.stalled()).startsWith("ProgressDeadlineExceeded");
        assertThat(s.pods()).extracting(AppClusterStatus.PodInstance::name).containsExactlyInAnyOrder("portal-a", "portal-b", "portal-c");
        assertThat(s.pods()).filteredOn(p -> p.name().equals("portal-a")).singleElement()
                .satisfies(p -> assertThat(p.state()).isEqualTo("Ready"));
        assertThat(s.pods()).filteredOn(p -> p.name().equals("portal-b")).singleElement().satisfies(p -> {
            assertThat(p.state()).isEqualTo("Unready");
            assertThat(p.restarts()).isEqualTo(2);
        });
        // Pending with a container status: the image is pulling or the container being created
        assertThat(s.pods()).filteredOn(p -> p.name().equals("portal-c")).singleElement()
                .satisfies(p -> assertThat(p.state()).isEqualTo("Starting"));
    }

    static io.fabric8.kubernetes.api.model.Pod pod(String name, String phase, boolean ready, int restarts) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("egov")
                .addToLabels(AppManifests.APP_LABEL, "portal").endMetadata()
                .withNewStatus().withPhase(phase)
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
                .addNewContainerStatus().withName("portal").withRestartCount(restarts).endContainerStatus()
                .endStatus().build();
    }

    @Test
    void anAutoscaledAppGetsAnHpaAndKeepsTheCountItReached() {
        KubernetesSync sync = new KubernetesSync(client, MappingOptions.DEFAULTS);
        String yaml = Apps.PORTAL.replace("  replicas: 3\n", "  autoscale: {minReplicas: 2, maxReplicas: 9, targetCPUPercent: 70,"
                + " targetConcurrency: 5, maxScaleDownStep: 1}\n");
        sync.sync(Apps.decode(yaml), null);
        var hpa = client.autoscaling().v2().horizontalPodAutoscalers().inNamespace("egov").withName("portal").get();
        assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
        assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(9);
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("portal");
        assertThat(hpa.getSpec().getMetrics()).extracting(m -> m.getType()).containsExactly("Resource", "Pods");
        assertThat(hpa.getSpec().getMetrics().get(0).getResource().getTarget().getAverageUtilization()).isEqualTo(70);
        assertThat(hpa.getSpec().getMetrics().get(1).getPods().getMetric().getName()).isEqualTo("nuri_in_flight_requests");
        assertThat(hpa.getSpec().getBehavior().getScaleDown().getStabilizationWindowSeconds()).isEqualTo(60);
        assertThat(hpa.getSpec().getBehavior().getScaleDown().getPolicies().get(0).getType()).isEqualTo("Pods");
        assertThat(hpa.getSpec().getBehavior().getScaleUp().getPolicies().get(0).getValue()).isEqualTo(1000);

        // The HPA scaled the Deployment to 7; a changed template must not reset that count.
        Deployment live = client.apps().deployments().inNamespace("egov").withName("portal").get();
        live.getSpec().setReplicas(7);
        client.resource(live).update();
        KubernetesSync.Result r = sync.sync(Apps.decode(yaml.replace("APP_VERSION: v1", "APP_VERSION: v2")), null);
        assertThat(r.updated()).anyMatch(k -> k.contains("Deployment"));
        assertThat(client.apps().deployments().inNamespace("egov").withName("portal").get().getSpec().getReplicas())
                .isEqualTo(7);
        assertThat(r.notMapped()).anyMatch(n -> n.contains("custom metrics adapter"));

        // Autoscaling removed: the HPA goes.
        r = sync.sync(Apps.decode(Apps.PORTAL), null);
        assertThat(r.deleted()).anyMatch(k -> k.contains("HorizontalPodAutoscaler"));
        assertThat(client.autoscaling().v2().horizontalPodAutoscalers().inNamespace("egov").withName("portal").get()).isNull();
    }
}
