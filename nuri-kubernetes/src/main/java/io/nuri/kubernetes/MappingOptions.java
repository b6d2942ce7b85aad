package io.nuri.kubernetes;

import static java.util.Objects.requireNonNull;

/**
 * Choices the App spec does not make but a cluster needs.
 *
 * @param namespace the namespace every object goes to; null: the App's own namespace
 * @param imageRegistry where images built from the Containerfile export are pushed; a jar app's
 *     image is {@code <registry>/<app>:<revision hash>}
 * @param commandImage the image a command app's command runs in (it must contain the command)
 * @param routeKind what routes become
 * @param gatewayName the Gateway an HTTPRoute attaches to (Gateway API)
 * @param ingressClass the IngressClass of an Ingress; null: the cluster's default
 * @param volumeSize the size requested for each volume's PersistentVolumeClaim
 * @param storageClass the StorageClass of the claims; null: the cluster's default
 */
public record MappingOptions(String namespace, String imageRegistry, String commandImage, RouteKind routeKind,
        String gatewayName, String ingressClass, String volumeSize, String storageClass) {
    public static final MappingOptions DEFAULTS = new MappingOptions(null, "registry.local/nuri",
            "docker.io/library/debian:bookworm-slim", RouteKind.INGRESS, "nuri-gateway", null, "1Gi", null);

    public MappingOptions {
        requireNonNull(imageRegistry, "imageRegistry");
        requireNonNull(commandImage, "commandImage");
        requireNonNull(routeKind, "routeKind");
        requireNonNull(volumeSize, "volumeSize");
    }

    public MappingOptions withNamespace(String ns) {
        return new MappingOptions(ns, imageRegistry, commandImage, routeKind, gatewayName, ingressClass, volumeSize, storageClass);
    }

    public MappingOptions withRouteKind(RouteKind kind) {
        return new MappingOptions(namespace, imageRegistry, commandImage, kind, gatewayName, ingressClass, volumeSize, storageClass);
    }

    public MappingOptions withImageRegistry(String registry) {
        return new MappingOptions(namespace, registry, commandImage, routeKind, gatewayName, ingressClass, volumeSize, storageClass);
    }
}
