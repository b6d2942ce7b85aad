package io.nuri.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.nuri.api.spec.App;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExportTest {
    @Test
    void exportedYamlRoundTripsThroughTheFabric8ModelAsTheExpectedKinds() {
        // Autoscaled: the HPA is one of the objects, and what it cannot express is listed on top.
        App app = Apps.decode(Apps.PORTAL.replace("  replicas: 3\n",
                "  autoscale: {minReplicas: 3, maxReplicas: 6, targetCPUPercent: 70, targetP95Millis: 300}\n"));
        Manifests m = AppManifests.of(app, MappingOptions.DEFAULTS);
        String yaml = ManifestWriter.yaml(List.of(m));
        assertThat(yaml).startsWith("# App egov/portal: 8 objects").contains("#   - spec.autoscale.targetP95Millis")
                .contains("kind: \"HorizontalPodAutoscaler\"");
        Object parsed = new KubernetesSerialization().unmarshal(yaml);
        @SuppressWarnings("unchecked")
        List<HasMetadata> objects = (List<HasMetadata>) parsed;
        assertThat(objects).extracting(HasMetadata::getKind).containsExactlyElementsOf(m.objects().stream().map(HasMetadata::getKind).toList());
        Deployment d = (Deployment) objects.stream().filter(o -> o instanceof Deployment).findFirst().orElseThrow();
        assertThat(d.getSpec().getReplicas()).isEqualTo(3);
        assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getLivenessProbe().getHttpGet().getPath())
                .isEqualTo("/health");
        assertThat(objects).allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo("egov"));
    }

    @Test
    void containerfileForAJarAppAndTheOneLineBaseImageChange() {
        String cf = Containerfiles.of(Apps.portal(), Containerfiles.DEFAULT_BASE_IMAGE, MappingOptions.DEFAULTS);
        assertThat(cf).contains("FROM docker.io/library/eclipse-temurin:21-jre\n")
                .contains("COPY sample-app.jar /app/app.jar\n")
                .contains("ENV APP_VERSION=\"v1\"\n").contains("ENV PORT=\"8080\"\n")
                .doesNotContain("s3cret").contains("DB_PASSWORD")
                .contains("EXPOSE 8080\n").contains("USER 10001:0\n")
                .contains("ENTRYPOINT [\"java\", \"-XX:TieredStopAtLevel=1\", \"-XX:MaxRAMPercentage=75\", \"-jar\", \"/app/app.jar\"]\n")
                .contains("CMD [\"--greeting\", \"hi\"]\n");
        String rhel = Containerfiles.of(Apps.portal(), "registry.access.redhat.com/ubi9/openjdk-21-runtime", MappingOptions.DEFAULTS);
        List<String> diff = rhel.lines().filter(l -> !cf.lines().toList().contains(l)).toList();
        assertThat(diff).containsExactly("FROM registry.access.redhat.com/ubi9/openjdk-21-runtime");
        String tag = ((Deployment) AppManifests.of(Apps.portal(), MappingOptions.DEFAULTS).objects().stream()
                .filter(o -> o instanceof Deployment).findFirst().orElseThrow())
                .getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
        assertThat(cf).contains("podman build -f Containerfile -t " + tag);
    }

    @Test
    void aCommandAppHasNoContainerfile() {
        assertThatThrownBy(() -> Containerfiles.of(Apps.decode("""
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: ticker}
                spec: {run: {command: [date]}}
                """), Containerfiles.DEFAULT_BASE_IMAGE, MappingOptions.DEFAULTS))
                .hasMessageContaining("runs a command, not a jar");
    }
}
