package io.nuri.server;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nuri.kubernetes.KubernetesSync;
import io.nuri.kubernetes.MappingOptions;
import io.nuri.kubernetes.RouteKind;
import io.nuri.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The cluster {@code nuri server --driver kubernetes} keeps apps on.
 *
 * @param kubeconfig null: the usual discovery (KUBECONFIG, ~/.kube/config, in-cluster service account)
 * @param namespace null: each app's own namespace
 */
record KubernetesTarget(Path kubeconfig, String namespace, RouteKind routes, String imageRegistry) {
    KubernetesClient client() throws IOException {
        Config config = kubeconfig == null ? Config.autoConfigure(null) : Config.fromKubeconfig(Files.readString(kubeconfig));
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    MappingOptions options() {
        MappingOptions o = MappingOptions.DEFAULTS.withNamespace(namespace).withRouteKind(routes);
        return imageRegistry == null ? o : o.withImageRegistry(imageRegistry);
    }

    KubernetesBackend backend(Store store, Clock clock) throws IOException {
        KubernetesClient client = client();
        return new KubernetesBackend(store, client, new KubernetesSync(client, options()), clock);
    }
}
