package io.nuri.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nuri.api.codec.Json;
import io.nuri.api.codec.SpecError;
import io.nuri.api.codec.SpecException;
import io.nuri.api.codec.SpecDecoder;
import io.nuri.api.spec.App;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator: watches {@code App} resources ({@code apps.nuri.io/v1}) and keeps the cluster in
 * line with each one through {@link KubernetesSync}, the same code {@code nuri server --driver
 * kubernetes} uses. Every add, change and periodic resync reconciles the whole App (level
 * triggered); a single worker thread serializes reconciles so two never race on one app.
 *
 * <p>Objects carry an owner reference to their App, so the cluster's garbage collector removes
 * them with it; the {@code nuri.io/cleanup} finalizer lets the operator delete them itself first
 * (and say so in the log) and is the place for cleanup the owner references cannot reach.
 * A spec that does not decode changes nothing on the cluster: the App's status says why.
 */
public final class AppOperator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AppOperator.class);
    public static final String FINALIZER = "nuri.io/cleanup";
    public static final ResourceDefinitionContext APP_CRD = new ResourceDefinitionContext.Builder()
            .withGroup("nuri.io").withVersion("v1").withKind("App").withPlural("apps").withNamespaced(true).build();

    private final KubernetesClient client;
    private final KubernetesSync sync;
    private final String namespace;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("nuri-operator").daemon().factory());
    private SharedIndexInformer<GenericKubernetesResource> informer;

    /** @param namespace watch only this namespace; null: every namespace */
    public AppOperator(KubernetesClient client, KubernetesSync sync, String namespace) {
        this.client = client;
        this.sync = sync;
        this.namespace = namespace;
    }

    public AppOperator start(long resyncMillis) {
        var resources = client.genericKubernetesResources(APP_CRD);
        var source = namespace == null ? resources.inAnyNamespace() : resources.inNamespace(namespace);
        informer = source.inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource app) {
                enqueue(app);
            }

            @Override
            public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource app) {
                enqueue(app);
            }

            @Override
            public void onDelete(GenericKubernetesResource app, boolean unknownFinalState) {
                // with the finalizer, the work was done when the deletion timestamp appeared
            }
        }, resyncMillis);
        return this;
    }

    private void enqueue(GenericKubernetesResource app) {
        String ns = app.getMetadata().getNamespace();
        String name = app.getMetadata().getName();
        worker.execute(() -> {
            GenericKubernetesResource current = client.genericKubernetesResources(APP_CRD).inNamespace(ns).withName(name).get();
            if (current != null) {
                try {
                    reconcile(current);
                } catch (KubernetesClientException e) {
                    log.warn("reconcile of App {}/{} failed (retried at the next change or resync): {} {}", ns, name,
                            e.getCode(), e.getMessage(), e);
                }
            }
        });
    }

    /** One level-triggered pass over one App resource. */
    void reconcile(GenericKubernetesResource cr) {
        String ns = cr.getMetadata().getNamespace();
        String name = cr.getMetadata().getName();
        var crs = client.genericKubernetesResources(APP_CRD).inNamespace(ns);
        List<String> finalizers = cr.getMetadata().getFinalizers() == null ? List.of() : cr.getMetadata().getFinalizers();
        if (cr.getMetadata().getDeletionTimestamp() != null) {
            if (finalizers.contains(FINALIZER)) {
                List<String> deleted = sync.delete(ns, name);
                log.info("App {}/{} deleted: removed {}", ns, name, deleted);
                crs.withName(name).edit(r -> {
                    List<String> f = new ArrayList<>(r.getMetadata().getFinalizers());
                    f.remove(FINALIZER);
                    r.getMetadata().setFinalizers(f);
                    return r;
                });
            }
            return;
        }
        if (!finalizers.contains(FINALIZER)) {
            cr = crs.withName(name).edit(r -> {
                List<String> f = new ArrayList<>(r.getMetadata().getFinalizers() == null ? List.of() : r.getMetadata().getFinalizers());
                f.add(FINALIZER);
                r.getMetadata().setFinalizers(f);
                return r;
            });
        }
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("observedGeneration", cr.getMetadata().getGeneration());
        App app;
        try {
            app = toApp(cr);
        } catch (SpecException e) {
            status.put("phase", "Invalid");
            status.put("errors", e.errors().stream().map(SpecError::toString).toList());
            writeStatus(cr, status);
            log.warn("App {}/{} is invalid, nothing changed: {}", ns, name, e.errors());
            return;
        }
        KubernetesSync.Result r = sync.sync(app, owner(cr));
        AppClusterStatus s = sync.status(ns, name);
        status.put("phase", s.stalled() != null ? "Stalled" : s.ready() >= s.desired() ? "Ready" : "Progressing");
        status.put("replicas", s.desired());
        status.put("readyReplicas", s.ready());
        status.put("updatedReplicas", s.updated());
        status.put("notMapped", r.notMapped());
        if (s.stalled() != null) {
            status.put("message", s.stalled());
        }
        writeStatus(cr, status);
    }

    private void writeStatus(GenericKubernetesResource cr, Map<String, Object> status) {
        Object old = cr.getAdditionalProperties().get("status");
        if (status.equals(old)) {
            return; // level-triggered and quiet: no write when nothing changed
        }
        cr.setAdditionalProperty("status", status);
        client.genericKubernetesResources(APP_CRD).inNamespace(cr.getMetadata().getNamespace()).resource(cr).updateStatus();
    }

    /** The CR as an App document, decoded with the same rules as a file. */
    static App toApp(GenericKubernetesResource cr) throws SpecException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("apiVersion", App.API_VERSION);
        doc.put("kind", App.KIND);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("name", cr.getMetadata().getName());
        meta.put("namespace", cr.getMetadata().getNamespace());
        if (cr.getMetadata().getLabels() != null && !cr.getMetadata().getLabels().isEmpty()) {
            meta.put("labels", cr.getMetadata().getLabels());
        }
        doc.put("metadata", meta);
        doc.put("spec", cr.getAdditionalProperties().get("spec"));
        String where = "App " + cr.getMetadata().getNamespace() + "/" + cr.getMetadata().getName();
        // jar paths name the file inside the image, not on a host: resolve them against "/"
        return SpecDecoder.decode(where, Json.write(doc), Path.of("/")).get(0);
    }

    private static OwnerReference owner(GenericKubernetesResource cr) {
        return new OwnerReferenceBuilder().withApiVersion("nuri.io/v1").withKind("App").withName(cr.getMetadata().getName())
                .withUid(cr.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build();
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
        worker.shutdown(); // let a reconcile in flight finish: half-applied apps are only fixed by the next one
        try {
            if (!worker.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
