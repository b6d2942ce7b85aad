package io.nuri.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;

/** Multi-document YAML for {@code kubectl apply -f -}, with what was not mapped as comments on top. */
public final class ManifestWriter {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private ManifestWriter() {}

    public static String yaml(List<Manifests> apps) {
        StringBuilder b = new StringBuilder();
        for (Manifests m : apps) {
            b.append("# App ").append(m.namespace()).append('/').append(m.app()).append(": ")
                    .append(m.objects().size()).append(" objects, made by `nuri export --target kubernetes`\n");
            if (!m.notMapped().isEmpty()) {
                b.append("# Not mapped, or mapped with a change (docs/kubernetes.md):\n");
                for (String n : m.notMapped()) {
                    b.append("#   - ").append(n.replace("\n", " ")).append('\n');
                }
            }
            for (HasMetadata obj : m.objects()) {
                String doc = SERIALIZATION.asYaml(obj);
                b.append(doc.startsWith("---") ? doc : "---\n" + doc);
                if (!doc.endsWith("\n")) {
                    b.append('\n');
                }
            }
        }
        return b.toString();
    }
}
