package io.nuri.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** deploy/kubernetes reads as valid objects of the expected kinds, and the CRD matches the operator. */
class DeployManifestsTest {
    static final Path DIR = Path.of("..", "deploy", "kubernetes");

    @Test
    void everyManifestIsAValidObjectAndTheKustomizationListsThemAll() throws Exception {
        List<HasMetadata> all = new ArrayList<>();
        for (String f : List.of("namespace.yaml", "crd.yaml", "rbac.yaml", "operator.yaml", "server.yaml")) {
            Object o = new KubernetesSerialization().unmarshal(Files.readString(DIR.resolve(f)));
            if (o instanceof List<?> l) {
                l.forEach(x -> all.add((HasMetadata) x));
            } else {
                all.add((HasMetadata) o);
            }
            assertThat(Files.readString(DIR.resolve("kustomization.yaml"))).contains("- " + f);
        }
        assertThat(all).extracting(HasMetadata::getKind).contains("Namespace", "CustomResourceDefinition", "ServiceAccount",
                "ClusterRole", "ClusterRoleBinding", "Deployment", "Service", "PersistentVolumeClaim");
        CustomResourceDefinition crd = (CustomResourceDefinition) all.stream()
                .filter(o -> o instanceof CustomResourceDefinition).findFirst().orElseThrow();
        assertThat(crd.getSpec().getGroup()).isEqualTo(AppOperator.APP_CRD.getGroup());
        assertThat(crd.getSpec().getNames().getPlural()).isEqualTo(AppOperator.APP_CRD.getPlural());
        assertThat(crd.getSpec().getNames().getKind()).isEqualTo("App");
        assertThat(crd.getSpec().getVersions().get(0).getSubresources().getStatus()).isNotNull();
        assertThat(crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getProperties().get("spec")
                .getProperties()).containsKeys("run", "env", "replicas", "probes", "routes", "rollout", "volumes");
    }
}
