package io.nuri.server;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nuri.kubernetes.AppOperator;
import io.nuri.kubernetes.KubernetesSync;
import io.nuri.kubernetes.RouteKind;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nuri operator}: reconciles {@code App} resources (apps.nuri.io) on the cluster it runs in. */
@Command(name = "nuri operator", mixinStandardHelpOptions = true, version = NuriServer.VERSION, sortOptions = false,
        description = "Run the Nuri operator: keep every App resource (apps.nuri.io/v1) of a cluster in line with its spec.")
public final class OperatorMain implements Callable<Integer> {
    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "Kubeconfig (default: in-cluster service account, $KUBECONFIG, ~/.kube/config).")
    Path kubeconfig;

    @Option(names = "--watch-namespace", paramLabel = "NS", description = "Watch only this namespace (default: all).")
    String watchNamespace;

    @Option(names = "--routes", paramLabel = "KIND", defaultValue = "ingress", description = "ingress, httproute or openshift (default: ${DEFAULT-VALUE}).")
    String routes;

    @Option(names = "--image-registry", paramLabel = "REGISTRY", description = "Registry of jar apps' images (default: registry.local/nuri).")
    String imageRegistry;

    @Option(names = "--resync-seconds", paramLabel = "S", defaultValue = "30", description = "Full resync period (default: ${DEFAULT-VALUE}).")
    int resyncSeconds;

    static RouteKind routeKind(String name) {
        return switch (name) {
            case "ingress" -> RouteKind.INGRESS;
            case "httproute" -> RouteKind.HTTP_ROUTE;
            case "openshift" -> RouteKind.OPENSHIFT_ROUTE;
            default -> null;
        };
    }

    @Override
    public Integer call() throws Exception {
        RouteKind kind = routeKind(routes);
        if (kind == null) {
            System.err.println("nuri operator: --routes must be ingress, httproute or openshift, got " + routes);
            return 2;
        }
        KubernetesTarget target = new KubernetesTarget(kubeconfig, null, kind, imageRegistry);
        KubernetesClient client = target.client();
        AppOperator operator = new AppOperator(client, new KubernetesSync(client, target.options()), watchNamespace)
                .start(resyncSeconds * 1000L);
        StopSignal stop = StopSignal.onTermOrInt("operator-shutdown", () -> {
            operator.close();
            client.close();
        });
        System.out.println("Nuri operator is watching App resources in " + (watchNamespace == null ? "every namespace" : watchNamespace)
                + " on " + client.getMasterUrl());
        System.out.flush();
        stop.await();
        return 0;
    }
}
