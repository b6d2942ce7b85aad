package io.nuri.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;

/**
 * What one App becomes on a cluster, and what of the App has no place there. Nothing is dropped
 * silently: each entry of {@code notMapped} names the field and says why.
 */
public record Manifests(String namespace, String app, List<HasMetadata> objects, List<String> notMapped) {
    public Manifests {
        objects = List.copyOf(objects);
        notMapped = List.copyOf(notMapped);
    }
}
