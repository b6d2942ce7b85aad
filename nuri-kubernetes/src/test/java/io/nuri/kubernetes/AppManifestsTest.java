package io.nuri.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import org.junit.jupiter.api.Test;

class AppManifestsTest {
    static <T> T one(Manifests m, Class<T> kind) {
        List<T> found = m.objects().stream().filter(kind::isInstance).map(kind::cast).toList();
        assertThat(found).as(kind.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    @Test
    void aJarAppBecomesADeploymentWithItsProbesResourcesEnvAndRollout() {
        Manifests m = AppManifests.of(Apps.portal(), MappingOptions.DEFAULTS);
        assertThat(m.namespace()).isEqualTo("egov");
        assertThat(m.objects()).extracting(HasMetadata::getKind).containsExactlyInAnyOrder(
                "ConfigMap", "Secret", "PersistentVolumeClaim", "Deployment", "Service", "PodDisruptionBudget", "Ingress");
        Deployment d = one(m, Deployment.class);
        assertThat(d.getSpec().getReplicas()).isEqualTo(3);
        assertThat(d.getSpec().getMinReadySeconds()).isEqualTo(2);
        assertThat(d.getSpec().getProgressDeadlineSeconds()).isEqualTo(60);
        assertThat(d.getSpec().getRevisionHistoryLimit()).isEqualTo(5);
        assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntVal()).isEqualTo(1);
        assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
        assertThat(d.getMetadata().getLabels()).containsEntry("tier", "web").containsEntry(AppManifests.MANAGED_BY, "nuri");
        assertThat(d.getSpec().getSelector().getMatchLabels()).containsExactlyEntriesOf(java.util.Map.of(AppManifests.APP_LABEL, "portal"));
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getImage()).startsWith("registry.local/nuri/portal:").hasSize("registry.local/nuri/portal:".length() + 12);
        assertThat(c.getCommand()).containsExactly("java");
        assertThat(c.getArgs()).containsExactly("-XX:TieredStopAtLevel=1", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar",
                "--greeting", "hi");
        assertThat(c.getPorts().get(0).getContainerPort()).isEqualTo(8080);
        assertThat(c.getResources().getRequests().get("cpu").toString()).isEqualTo("500m");
        assertThat(c.getResources().getLimits().get("memory").toString()).isEqualTo("256Mi");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health");
        assertThat(c.getReadinessProbe().getPeriodSeconds()).isEqualTo(1);
        assertThat(c.getLivenessProbe().getPeriodSeconds()).isEqualTo(2);
        assertThat(c.getLivenessProbe().getFailureThreshold()).isEqualTo(3);
        assertThat(c.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("PORT");
            assertThat(e.getValue()).isEqualTo("8080");
        });
        assertThat(c.getEnv()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("NURI_VOLUME_UPLOADS"));
        assertThat(c.getVolumeMounts().get(0).getMountPath()).isEqualTo("/data/uploads");

        assertThat(one(m, ConfigMap.class).getData()).containsOnlyKeys("APP_VERSION");
        assertThat(one(m, Secret.class).getStringData()).containsEntry("DB_PASSWORD", "s3cret");
        assertThat(one(m, PersistentVolumeClaim.class).getSpec().getAccessModes()).containsExactly("ReadWriteMany");
        Service svc = one(m, Service.class);
        assertThat(svc.getSpec().getPorts().get(0).getTargetPort().getStrVal()).isEqualTo("http");
        assertThat(one(m, PodDisruptionBudget.class).getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);

        Ingress ing = one(m, Ingress.class);
        assertThat(ing.getSpec().getRules()).hasSize(2);
        assertThat(ing.getSpec().getRules()).anySatisfy(r -> {
            assertThat(r.getHost()).isEqualTo("api.egov.test");
            assertThat(r.getHttp().getPaths().get(0).getPath()).isEqualTo("/api");
        });
        // what has no place on the cluster is said, not dropped
        assertThat(m.notMapped()).anyMatch(n -> n.startsWith("spec.routes path /api: stripPrefix"))
                .anyMatch(n -> n.startsWith("spec.traffic.affinity"))
                .anyMatch(n -> n.startsWith("spec.rollout.autoRollback"));
        // no spec.autoscale: no HorizontalPodAutoscaler
        assertThat(m.objects()).noneMatch(o -> o.getKind().equals("HorizontalPodAutoscaler"));
    }

    @Test
    void gatewayApiRoutesKeepStripPrefixAndTimeouts() {
        Manifests m = AppManifests.of(Apps.portal(), MappingOptions.DEFAULTS.withRouteKind(RouteKind.HTTP_ROUTE));
        HTTPRoute r = one(m, HTTPRoute.class);
        assertThat(r.getSpec().getParentRefs().get(0).getName()).isEqualTo("nuri-gateway");
        assertThat(r.getSpec().getHostnames()).containsExactly("api.egov.test");
        var api = r.getSpec().getRules().get(1);
        assertThat(api.getMatches().get(0).getPath().getValue()).isEqualTo("/api");
        assertThat(api.getFilters().get(0).getUrlRewrite().getPath().getReplacePrefixMatch()).isEqualTo("/");
        assertThat(api.getTimeouts().getRequest()).isEqualTo("5000ms");
        assertThat(m.notMapped()).noneMatch(n -> n.contains("stripPrefix has no portable"));
    }

    @Test
    void openShiftRoutesAndCommandAppsAndSingleReplicas() {
        Manifests m = AppManifests.of(Apps.portalWith("replicas: 3", "replicas: 1"),
                MappingOptions.DEFAULTS.withRouteKind(RouteKind.OPENSHIFT_ROUTE));
        GenericKubernetesResource route = one(m, GenericKubernetesResource.class);
        assertThat(route.getApiVersion()).isEqualTo("route.openshift.io/v1");
        assertThat(route.getKind()).isEqualTo("Route");
        assertThat(m.objects()).noneMatch(o -> o instanceof PodDisruptionBudget);
        assertThat(m.notMapped()).anyMatch(n -> n.startsWith("PodDisruptionBudget: not created for 1 replica"))
                .anyMatch(n -> n.contains("only the first route"));

        Manifests cmd = AppManifests.of(Apps.decode("""
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: ticker}
                spec:
                  run: {command: [sh, -c, "while true; do date; sleep 1; done"]}
                  probes:
                    readiness: {exec: {command: ["true"]}, periodSeconds: 0.5}
                """), MappingOptions.DEFAULTS);
        Container c = one(cmd, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getImage()).isEqualTo(MappingOptions.DEFAULTS.commandImage());
        assertThat(c.getCommand()).containsExactly("sh", "-c", "while true; do date; sleep 1; done");
        assertThat(c.getReadinessProbe().getExec().getCommand()).containsExactly("true");
        assertThat(c.getReadinessProbe().getPeriodSeconds()).isEqualTo(1);
        assertThat(cmd.notMapped()).anyMatch(n -> n.startsWith("spec.probes.readiness.periodSeconds: 0.5 s becomes 1 s"))
                .anyMatch(n -> n.startsWith("spec.run.command"));
    }

    @Test
    void theImageTagFollowsTheSpec() {
        String a = one(AppManifests.of(Apps.portal(), MappingOptions.DEFAULTS), Deployment.class)
                .getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
        String b = one(AppManifests.of(Apps.portalWith("APP_VERSION: v1", "APP_VERSION: v2"), MappingOptions.DEFAULTS), Deployment.class)
                .getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
        assertThat(a).isNotEqualTo(b);
    }
}
