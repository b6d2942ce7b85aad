package io.nuri.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.nuri.api.spec.App;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a cluster hold exactly the objects an App maps to, like the deployment controller's sync:
 * level-triggered and idempotent. It computes the desired objects, creates the missing ones,
 * replaces the ones whose applied content differs (each object carries the hash of what was
 * applied), leaves equal ones alone, and deletes objects of the app that are no longer desired.
 * Calling it twice in a row changes nothing the second time.
 *
 * <p>PersistentVolumeClaims are never deleted, neither when a volume leaves the spec nor when the
 * app is deleted: data outlives the app, as on the process driver (delete them by label).
 */
public final class KubernetesSync {
    private static final Logger log = LoggerFactory.getLogger(KubernetesSync.class);
    public static final String APPLIED_HASH = "nuri.io/applied-hash";
    static final ResourceDefinitionContext OPENSHIFT_ROUTE = new ResourceDefinitionContext.Builder()
            .withGroup("route.openshift.io").withVersion("v1").withKind("Route").withPlural("routes").withNamespaced(true).build();

    /** What one sync did. */
    public record Result(List<String> created, List<String> updated, List<String> unchanged, List<String> deleted,
            List<String> notMapped) {}

    private final KubernetesClient client;
    private final MappingOptions options;
    private final KubernetesSerialization json = new KubernetesSerialization();

    public KubernetesSync(KubernetesClient client, MappingOptions options) {
        this.client = client;
        this.options = options;
    }

    public MappingOptions options() {
        return options;
    }

    /** @param owner set on every object (the operator's App resource), so deleting it garbage-collects them; may be null */
    public Result sync(App app, OwnerReference owner) {
        Manifests m = AppManifests.of(app, options);
        List<String> created = new ArrayList<>();
        List<String> updated = new ArrayList<>();
        List<String> unchanged = new ArrayList<>();
        Set<String> desired = new java.util.HashSet<>();
        for (HasMetadata obj : m.objects()) {
            if (owner != null) {
                obj.getMetadata().setOwnerReferences(List.of(owner));
            }
            String hash = hash(obj);
            Map<String, String> annotations = new HashMap<>(obj.getMetadata().getAnnotations() == null ? Map.of()
                    : obj.getMetadata().getAnnotations());
            annotations.put(APPLIED_HASH, hash);
            obj.getMetadata().setAnnotations(annotations);
            desired.add(key(obj));
            HasMetadata existing = get(obj);
            if (existing == null) {
                create(obj);
                created.add(key(obj));
            } else if (!hash.equals(annotation(existing, APPLIED_HASH))) {
                obj.getMetadata().setResourceVersion(null);
                keepScaledReplicas(app, obj, existing);
                replace(obj);
                updated.add(key(obj));
            } else {
                unchanged.add(key(obj));
            }
        }
        List<String> deleted = new ArrayList<>();
        for (HasMetadata obj : owned(m.namespace(), m.app())) {
            if (!desired.contains(key(obj)) && !(obj instanceof io.fabric8.kubernetes.api.model.PersistentVolumeClaim)) {
                delete(obj);
                deleted.add(key(obj));
            }
        }
        if (!created.isEmpty() || !updated.isEmpty() || !deleted.isEmpty()) {
            log.info("synced app {}/{}: created {}, updated {}, deleted {}", m.namespace(), m.app(), created, updated, deleted);
        }
        return new Result(created, updated, unchanged, deleted, m.notMapped());
    }

    /** Deletes every object of the app but its volume claims; returns what was deleted. */
    public List<String> delete(String namespace, String app) {
        List<String> deleted = new ArrayList<>();
        for (HasMetadata obj : owned(ns(namespace), app)) {
            if (!(obj instanceof io.fabric8.kubernetes.api.model.PersistentVolumeClaim)) {
                delete(obj);
                deleted.add(key(obj));
            }
        }
        return deleted;
    }

    /** The app's pods and its Deployment's counts, as the platform shows them. */
    public AppClusterStatus status(String namespace, String app) {
        String ns = ns(namespace);
        Deployment d = client.apps().deployments().inNamespace(ns).withName(app).get();
        List<AppClusterStatus.PodInstance> pods = new ArrayList<>();
        for (Pod p : client.pods().inNamespace(ns).withLabel(AppManifests.APP_LABEL, app).list().getItems()) {
            pods.add(AppClusterStatus.PodInstance.of(p));
        }
        if (d == null) {
            return new AppClusterStatus(ns, app, false, 0, 0, 0, 0, null, pods);
        }
        var s = d.getStatus();
        int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        String condition = s == null || s.getConditions() == null ? null : s.getConditions().stream()
                .filter(c -> "Progressing".equals(c.getType()) && "False".equals(c.getStatus()))
                .map(c -> c.getReason() + ": " + c.getMessage()).findFirst().orElse(null);
        return new AppClusterStatus(ns, app, true, desired, s == null || s.getReadyReplicas() == null ? 0 : s.getReadyReplicas(),
                s == null || s.getUpdatedReplicas() == null ? 0 : s.getUpdatedReplicas(),
                s == null || s.getAvailableReplicas() == null ? 0 : s.getAvailableReplicas(), condition, pods);
    }

    /**
     * The cluster's events about the app's Deployment, ReplicaSets and pods (their names start with
     * the app's name), oldest first, for the platform's event log.
     */
    public List<ClusterEvent> events(String namespace, String app) {
        String ns = ns(namespace);
        List<ClusterEvent> out = new ArrayList<>();
        for (var e : client.v1().events().inNamespace(ns).list().getItems()) {
            var obj = e.getInvolvedObject();
            if (obj == null || obj.getName() == null || !(obj.getName().equals(app) || obj.getName().startsWith(app + "-"))) {
                continue;
            }
            String time = e.getLastTimestamp() != null ? e.getLastTimestamp()
                    : e.getEventTime() != null ? e.getEventTime().getTime() : e.getFirstTimestamp();
            out.add(new ClusterEvent(e.getMetadata().getUid() + "/" + (e.getCount() == null ? 1 : e.getCount()),
                    time, "Warning".equals(e.getType()), e.getReason(), obj.getKind() + "/" + obj.getName(),
                    "Pod".equals(obj.getKind()) ? obj.getName() : null, e.getMessage()));
        }
        out.sort(java.util.Comparator.comparing(c -> c.time() == null ? "" : c.time()));
        return out;
    }

    /**
     * One Kubernetes event. {@code key} changes when the event repeats (uid + count), so a repeat
     * is reported again.
     */
    public record ClusterEvent(String key, String time, boolean warning, String reason, String object, String pod,
            String message) {}

    private String ns(String namespace) {
        return options.namespace() != null ? options.namespace() : namespace;
    }

    /** Every object the app owns on the cluster, found by its label, over the kinds the mapping makes. */
    List<HasMetadata> owned(String ns, String app) {
        List<HasMetadata> out = new ArrayList<>();
        String label = AppManifests.APP_LABEL;
        out.addAll(quietly(() -> client.apps().deployments().inNamespace(ns).withLabel(label, app).list().getItems()));
        out.addAll(quietly(() -> client.services().inNamespace(ns).withLabel(label, app).list().getItems()));
        out.addAll(quietly(() -> client.configMaps().inNamespace(ns).withLabel(label, app).list().getItems()));
        out.addAll(quietly(() -> client.secrets().inNamespace(ns).withLabel(label, app).list().getItems()));
        out.addAll(quietly(() -> client.persistentVolumeClaims().inNamespace(ns).withLabel(label, app).list().getItems()));
        out.addAll(quietly(() -> client.policy().v1().podDisruptionBudget().inNamespace(ns).withLabel(label, app).list().getItems()));
        out.addAll(quietly(() -> client.network().v1().ingresses().inNamespace(ns).withLabel(label, app).list().getItems()));
        out.addAll(quietly(() -> client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).withLabel(label, app)
                .list().getItems()));
        out.addAll(quietly(() -> client.resources(HTTPRoute.class).inNamespace(ns).withLabel(label, app).list().getItems()));
        out.addAll(quietly(() -> client.genericKubernetesResources(OPENSHIFT_ROUTE).inNamespace(ns).withLabel(label, app)
                .list().getItems()));
        return out;
    }

    /** A kind whose API the cluster does not serve (no Gateway API, not OpenShift) simply has no objects. */
    private static List<? extends HasMetadata> quietly(Supplier<List<? extends HasMetadata>> list) {
        try {
            return list.get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return List.of();
            }
            throw e;
        }
    }

    private HasMetadata get(HasMetadata obj) {
        if (obj instanceof GenericKubernetesResource g) {
            return client.genericKubernetesResources(OPENSHIFT_ROUTE).inNamespace(ns(g)).withName(g.getMetadata().getName()).get();
        }
        return client.resource(obj).get();
    }

    private void create(HasMetadata obj) {
        if (obj instanceof GenericKubernetesResource g) {
            client.genericKubernetesResources(OPENSHIFT_ROUTE).inNamespace(ns(g)).resource(g).create();
        } else {
            client.resource(obj).create();
        }
    }

    /** An autoscaled Deployment keeps the count its HPA reached: replacing it must not reset it. */
    private static void keepScaledReplicas(App app, HasMetadata obj, HasMetadata existing) {
        if (app.spec().autoscale() != null && obj instanceof io.fabric8.kubernetes.api.model.apps.Deployment d
                && existing instanceof io.fabric8.kubernetes.api.model.apps.Deployment live
                && live.getSpec() != null && live.getSpec().getReplicas() != null) {
            d.getSpec().setReplicas(live.getSpec().getReplicas());
        }
    }

    private void replace(HasMetadata obj) {
        if (obj instanceof GenericKubernetesResource g) {
            client.genericKubernetesResources(OPENSHIFT_ROUTE).inNamespace(ns(g)).resource(g).update();
        } else {
            client.resource(obj).update();
        }
    }

    private void delete(HasMetadata obj) {
        if (obj instanceof GenericKubernetesResource g) {
            client.genericKubernetesResources(OPENSHIFT_ROUTE).inNamespace(ns(g)).withName(g.getMetadata().getName()).delete();
        } else {
            client.resource(obj).delete();
        }
    }

    private static String ns(HasMetadata obj) {
        return obj.getMetadata().getNamespace();
    }

    static String key(HasMetadata obj) {
        return obj.getKind() + "/" + obj.getMetadata().getName();
    }

    private static String annotation(HasMetadata obj, String key) {
        Map<String, String> a = obj.getMetadata().getAnnotations();
        return a == null ? null : a.get(key);
    }

    /** SHA-256 of the object as we would apply it (before the hash annotation is added). */
    private String hash(HasMetadata obj) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(json.asJson(obj).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
