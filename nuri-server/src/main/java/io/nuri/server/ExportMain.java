package io.nuri.server;

import io.nuri.api.codec.SpecDecoder;
import io.nuri.api.codec.SpecException;
import io.nuri.api.spec.App;
import io.nuri.kubernetes.AppManifests;
import io.nuri.kubernetes.Containerfiles;
import io.nuri.kubernetes.ManifestWriter;
import io.nuri.kubernetes.Manifests;
import io.nuri.kubernetes.MappingOptions;
import io.nuri.kubernetes.RouteKind;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nuri export}: what an App becomes elsewhere, printed for review and {@code kubectl apply}:
 * the Kubernetes manifests (the same mapping the operator and {@code --driver kubernetes} apply),
 * or a Containerfile that turns a jar app into an image.
 */
@Command(name = "nuri export", mixinStandardHelpOptions = true, version = NuriServer.VERSION, sortOptions = false,
        description = "Print the Kubernetes manifests or the Containerfile an App spec becomes.")
public final class ExportMain implements Callable<Integer> {
    @Option(names = {"-f", "--file"}, paramLabel = "FILE", required = true, description = "App spec file (one or more documents).")
    Path file;

    @Option(names = "--target", paramLabel = "TARGET", defaultValue = "kubernetes", description = "kubernetes or containerfile (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--base-image", paramLabel = "IMAGE", defaultValue = Containerfiles.DEFAULT_BASE_IMAGE, description = "Containerfile base image: the one line that changes the OS/JRE (default: ${DEFAULT-VALUE}).")
    String baseImage;

    @Option(names = "--namespace", paramLabel = "NS", description = "Put every object in this namespace (default: the app's own).")
    String namespace;

    @Option(names = "--routes", paramLabel = "KIND", defaultValue = "ingress", description = "ingress, httproute or openshift (default: ${DEFAULT-VALUE}).")
    String routes;

    @Option(names = "--image-registry", paramLabel = "REGISTRY", defaultValue = "registry.local/nuri", description = "Registry of jar apps' images (default: ${DEFAULT-VALUE}).")
    String imageRegistry;

    @Override
    public Integer call() throws Exception {
        RouteKind kind = OperatorMain.routeKind(routes);
        if (kind == null || !(target.equals("kubernetes") || target.equals("containerfile"))) {
            System.err.println("nuri export: " + (kind == null ? "--routes must be ingress, httproute or openshift, got " + routes
                    : "--target must be kubernetes or containerfile, got " + target));
            return 2;
        }
        List<App> apps;
        try {
            Path abs = file.toAbsolutePath();
            apps = SpecDecoder.decode(file.toString(), Files.readString(abs), abs.getParent());
        } catch (NoSuchFileException e) {
            System.err.println("nuri export: " + file + ": file not found");
            return 2;
        } catch (SpecException e) {
            e.errors().forEach(err -> System.err.println("nuri export: " + err));
            return 2;
        }
        MappingOptions options = MappingOptions.DEFAULTS.withNamespace(namespace).withRouteKind(kind).withImageRegistry(imageRegistry);
        if (target.equals("kubernetes")) {
            List<Manifests> all = new ArrayList<>();
            for (App app : apps) {
                all.add(AppManifests.of(app, options));
            }
            System.out.print(ManifestWriter.yaml(all));
            return 0;
        }
        int failures = 0;
        for (App app : apps) {
            try {
                System.out.print(Containerfiles.of(app, baseImage, options));
            } catch (IllegalArgumentException e) {
                System.err.println("nuri export: " + e.getMessage());
                failures++;
            }
        }
        return failures == 0 ? 0 : 1;
    }

}
