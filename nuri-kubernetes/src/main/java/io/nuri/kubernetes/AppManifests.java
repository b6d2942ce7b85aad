package io.nuri.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPathBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRuleBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.nuri.api.codec.Json;
import io.nuri.api.spec.App;
import io.nuri.api.spec.AppSpec;
import io.nuri.api.spec.Route;
import io.nuri.api.spec.RunSpec;
import io.nuri.api.spec.Traffic;
import io.nuri.api.spec.VolumeSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Maps an App to the Kubernetes objects that run it the same way. A pure function of the spec
 * and the options: the sync, the operator and {@code nuri export} all call it, so what is exported
 * is exactly what the platform would apply. See docs/kubernetes.md for the table.
 */
public final class AppManifests {
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String NAME_LABEL = "app.kubernetes.io/name";
    public static final String APP_LABEL = "nuri.io/app";
    public static final String SPEC_HASH = "nuri.io/spec-hash";
    /** Env keys whose values go to a Secret rather than a ConfigMap. */
    static final Pattern SECRET_KEY = Pattern.compile("(?i).*(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY|API_KEY|ACCESS_KEY).*");
    static final String JAR_PATH = "/app/app.jar";
    static final String VOLUME_ROOT = "/data/";

    private AppManifests() {}

    public static Manifests of(App app, MappingOptions options) {
        AppSpec spec = app.spec();
        String ns = options.namespace() != null ? options.namespace() : app.namespace();
        String name = app.name();
        List<String> notMapped = new ArrayList<>();
        List<HasMetadata> out = new ArrayList<>();
        Map<String, String> selector = Map.of(APP_LABEL, name);
        String hash = specHash(app);

        Map<String, String> plain = new TreeMap<>();
        Map<String, String> secret = new TreeMap<>();
        spec.env().forEach((k, v) -> (SECRET_KEY.matcher(k).matches() ? secret : plain).put(k, v));
        List<EnvFromSource> envFrom = new ArrayList<>();
        if (!plain.isEmpty()) {
            out.add(new ConfigMapBuilder().withMetadata(meta(ns, name + "-env", name, Map.of())).withData(plain).build());
            envFrom.add(new EnvFromSourceBuilder().withNewConfigMapRef().withName(name + "-env").endConfigMapRef().build());
        }
        if (!secret.isEmpty()) {
            out.add(new SecretBuilder().withMetadata(meta(ns, name + "-secret", name, Map.of())).withType("Opaque")
                    .withStringData(secret).build());
            envFrom.add(new EnvFromSourceBuilder().withNewSecretRef().withName(name + "-secret").endSecretRef().build());
        }

        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVar("PORT", String.valueOf(spec.port()), null));
        for (VolumeSpec v : spec.volumes()) {
            String claim = name + "-" + v.name();
            var pvc = new PersistentVolumeClaimBuilder().withMetadata(meta(ns, claim, name, Map.of()))
                    .withNewSpec().withAccessModes("ReadWriteMany").withStorageClassName(options.storageClass())
                    .withNewResources().addToRequests("storage", new Quantity(options.volumeSize())).endResources()
                    .endSpec().build();
            out.add(pvc);
            volumes.add(new VolumeBuilder().withName(v.name()).withNewPersistentVolumeClaim().withClaimName(claim)
                    .endPersistentVolumeClaim().build());
            mounts.add(new VolumeMountBuilder().withName(v.name()).withMountPath(VOLUME_ROOT + v.name()).build());
            env.add(new EnvVar(v.envVar(), VOLUME_ROOT + v.name(), null));
        }
        if (!spec.volumes().isEmpty()) {
            notMapped.add("spec.volumes: each volume is a ReadWriteMany PersistentVolumeClaim of " + options.volumeSize()
                    + " (the spec has no size; volumes are shared by all instances, as on the process driver): "
                    + "the StorageClass must support ReadWriteMany");
        }

        Container container = container(app, options, hash, env, envFrom, mounts, notMapped);
        var rollout = spec.rollout();
        int replicas = spec.replicas();
        out.add(new DeploymentBuilder()
                .withMetadata(meta(ns, name, name, Map.of(SPEC_HASH, hash), app.metadata().labels()))
                .withNewSpec()
                .withReplicas(replicas)
                .withNewSelector().withMatchLabels(selector).endSelector()
                .withMinReadySeconds(rollout.minReadySeconds())
                .withProgressDeadlineSeconds(rollout.progressDeadlineSeconds())
                .withRevisionHistoryLimit(rollout.revisionHistoryLimit())
                .withPaused(rollout.paused() ? Boolean.TRUE : null)
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxSurge(intOrPercent(rollout.maxSurge())).withMaxUnavailable(intOrPercent(rollout.maxUnavailable()))
                .endRollingUpdate().endStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels(name, app.metadata().labels())).withAnnotations(Map.of(SPEC_HASH, hash)).endMetadata()
                .withNewSpec().withContainers(container).withVolumes(volumes)
                .withTerminationGracePeriodSeconds(30L)
                .endSpec().endTemplate()
                .endSpec().build());
        if (rollout.autoRollback()) {
            notMapped.add("spec.rollout.autoRollback: a Deployment only reports ProgressDeadlineExceeded; it does not roll back "
                    + "by itself (the Nuri sync does: it re-applies the previous revision when the deadline passes)");
        }
        if (rollout.canary() != null) {
            notMapped.add("spec.rollout.canary: no native canary in a Deployment (use Argo Rollouts or Flagger); the rollout "
                    + "is a plain rolling update");
        }
        if (spec.restartPolicy() != null && spec.restartPolicy() != io.nuri.api.spec.RestartPolicy.Always) {
            notMapped.add("spec.restartPolicy: " + spec.restartPolicy() + " is not possible in a Deployment (pods always "
                    + "restart); use a Job for run-to-completion work");
        }

        out.add(new ServiceBuilder().withMetadata(meta(ns, name, name, Map.of()))
                .withNewSpec().withSelector(selector).withType("ClusterIP")
                .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).withProtocol("TCP").endPort()
                .withSessionAffinity(spec.traffic().affinity() != null && spec.traffic().affinity().clientAddress() ? "ClientIP" : null)
                .endSpec().build());

        if (replicas >= 2) {
            out.add(new PodDisruptionBudgetBuilder().withMetadata(meta(ns, name, name, Map.of()))
                    .withNewSpec().withNewSelector().withMatchLabels(selector).endSelector()
                    .withMaxUnavailable(new IntOrString(1)).endSpec().build());
        } else {
            notMapped.add("PodDisruptionBudget: not created for " + replicas + " replica(s) (it would block every node drain)");
        }

        if (!spec.routes().isEmpty()) {
            out.add(routes(app, ns, options, notMapped));
        }
        traffic(spec.traffic(), notMapped);
        if (spec.autoscale() != null) {
            out.add(AutoscaleMapping.hpa(ns, name, spec, meta(ns, name, name, Map.of()), notMapped));
        }
        if (!spec.apm().equals(io.nuri.api.spec.ApmSpec.DEFAULTS)) {
            notMapped.add("spec.apm: Nuri's APM measures at Nuri's own gateway, which does not run on a cluster; "
                    + "the APDEX threshold and user key are not used there");
        }
        return new Manifests(ns, name, out, notMapped);
    }

    private static Container container(App app, MappingOptions options, String hash, List<EnvVar> env,
            List<EnvFromSource> envFrom, List<VolumeMount> mounts, List<String> notMapped) {
        AppSpec spec = app.spec();
        RunSpec run = spec.run();
        ContainerBuilder c = new ContainerBuilder().withName(app.name())
                .withEnv(env).withEnvFrom(envFrom).withVolumeMounts(mounts)
                .addNewPort().withName("http").withContainerPort(spec.port()).withProtocol("TCP").endPort();
        if (run.isJar()) {
            List<String> args = new ArrayList<>(run.javaOpts());
            long mem = spec.resources() == null ? 0 : spec.resources().memoryBytes();
            if (mem > 0 && run.javaOpts().stream().noneMatch(o -> o.startsWith("-Xmx") || o.startsWith("-XX:MaxRAM"))) {
                args.add("-XX:MaxRAMPercentage=75"); // the process driver's -Xmx = 75% of memory, as the JVM sees the cgroup
            }
            args.add("-jar");
            args.add(JAR_PATH);
            args.addAll(run.args());
            c.withImage(options.imageRegistry() + "/" + app.name() + ":" + hash.substring(0, 12))
                    .withCommand("java").withArgs(args);
        } else {
            c.withImage(options.commandImage()).withCommand(run.command()).withArgs(run.args());
            notMapped.add("spec.run.command: runs in image " + options.commandImage() + ", which must contain "
                    + run.command().get(0) + " (a command app has no image of its own)");
        }
        if (run.workingDir() != null) {
            notMapped.add("spec.run.workingDir: a host folder (" + run.workingDir() + ") does not exist in a pod; the "
                    + "container's own working directory is used");
        }
        if (spec.resources() != null && (spec.resources().cpu() != null || spec.resources().memory() != null)) {
            ResourceRequirementsBuilder r = new ResourceRequirementsBuilder();
            if (spec.resources().cpu() != null) {
                r.addToRequests("cpu", new Quantity(spec.resources().cpu()));
            }
            if (spec.resources().memory() != null) {
                r.addToRequests("memory", new Quantity(spec.resources().memory()));
                r.addToLimits("memory", new Quantity(spec.resources().memory()));
            }
            c.withResources(r.build());
        }
        if (spec.probes() != null) {
            c.withStartupProbe(probe(spec.probes().startup(), "startup", notMapped));
            c.withReadinessProbe(probe(spec.probes().readiness(), "readiness", notMapped));
            c.withLivenessProbe(probe(spec.probes().liveness(), "liveness", notMapped));
        }
        return c.build();
    }

    private static Probe probe(io.nuri.api.spec.Probe p, String kind, List<String> notMapped) {
        if (p == null) {
            return null;
        }
        ProbeBuilder b = new ProbeBuilder()
                .withInitialDelaySeconds(p.initialDelaySeconds())
                .withPeriodSeconds(wholeSeconds(p.periodSeconds(), "spec.probes." + kind + ".periodSeconds", notMapped))
                .withTimeoutSeconds(wholeSeconds(p.timeoutSeconds(), "spec.probes." + kind + ".timeoutSeconds", notMapped))
                .withFailureThreshold(p.failureThreshold())
                .withSuccessThreshold(kind.equals("readiness") ? p.successThreshold() : 1);
        if (!kind.equals("readiness") && p.successThreshold() != 1) {
            notMapped.add("spec.probes." + kind + ".successThreshold: Kubernetes requires 1 for " + kind + " probes");
        }
        if (p.http() != null) {
            b.withNewHttpGet().withPath(p.http().path()).withPort(new IntOrString("http")).endHttpGet();
        } else if (p.exec() != null) {
            b.withNewExec().withCommand(p.exec().command()).endExec();
        } else {
            b.withNewTcpSocket().withPort(new IntOrString("http")).endTcpSocket();
        }
        return b.build();
    }

    /** Kubernetes counts probe periods and timeouts in whole seconds (at least 1); rounds up and says so. */
    private static int wholeSeconds(double seconds, String field, List<String> notMapped) {
        int whole = (int) Math.max(1, Math.ceil(seconds));
        if (whole != seconds) {
            notMapped.add(field + ": " + seconds + " s becomes " + whole + " s (Kubernetes probes count whole seconds)");
        }
        return whole;
    }

    private static HasMetadata routes(App app, String ns, MappingOptions options, List<String> notMapped) {
        String name = app.name();
        List<Route> routes = app.spec().routes();
        return switch (options.routeKind()) {
            case INGRESS -> {
                Map<String, List<HTTPIngressPath>> byHost = new LinkedHashMap<>();
                for (Route r : routes) {
                    byHost.computeIfAbsent(host(r), h -> new ArrayList<>()).add(new HTTPIngressPathBuilder()
                            .withPath(r.path()).withPathType("Prefix")
                            .withNewBackend().withNewService().withName(name).withNewPort().withName("http").endPort()
                            .endService().endBackend().build());
                    if (r.stripPrefix()) {
                        notMapped.add("spec.routes path " + r.path() + ": stripPrefix has no portable Ingress form (it needs a "
                                + "controller-specific rewrite annotation); use --routes httproute");
                    }
                    if (r.timeoutSeconds() != null) {
                        notMapped.add("spec.routes path " + r.path() + ": timeoutSeconds has no portable Ingress form");
                    }
                }
                List<IngressRule> rules = new ArrayList<>();
                byHost.forEach((host, paths) -> rules.add(new IngressRuleBuilder().withHost(host)
                        .withNewHttp().withPaths(paths).endHttp().build()));
                yield new IngressBuilder().withMetadata(meta(ns, name, name, Map.of()))
                        .withNewSpec().withIngressClassName(options.ingressClass()).withRules(rules).endSpec().build();
            }
            case HTTP_ROUTE -> {
                List<HTTPRouteRule> rules = new ArrayList<>();
                List<String> hostnames = new ArrayList<>();
                for (Route r : routes) {
                    String h = host(r);
                    if (h != null && !hostnames.contains(h)) {
                        hostnames.add(h);
                    }
                    HTTPRouteRuleBuilder rule = new HTTPRouteRuleBuilder()
                            .addNewMatch().withNewPath().withType("PathPrefix").withValue(r.path()).endPath().endMatch()
                            .addNewBackendRef().withName(name).withPort(80).endBackendRef();
                    if (r.stripPrefix()) {
                        rule.addNewFilter().withType("URLRewrite").withNewUrlRewrite().withNewPath()
                                .withType("ReplacePrefixMatch").withReplacePrefixMatch("/").endPath().endUrlRewrite().endFilter();
                    }
                    if (r.timeoutSeconds() != null) {
                        rule.withNewTimeouts().withRequest(Math.round(r.timeoutSeconds() * 1000) + "ms").endTimeouts();
                    }
                    rules.add(rule.build());
                }
                if (routes.stream().anyMatch(r -> host(r) == null) && !hostnames.isEmpty()) {
                    notMapped.add("spec.routes: routes for any host and routes for named hosts share one HTTPRoute, which "
                            + "matches only the named hosts; split the app's routes if that matters");
                }
                yield new HTTPRouteBuilder().withMetadata(meta(ns, name, name, Map.of()))
                        .withNewSpec().addNewParentRef().withName(options.gatewayName()).endParentRef()
                        .withHostnames(hostnames).withRules(rules).endSpec().build();
            }
            case OPENSHIFT_ROUTE -> {
                Route first = routes.get(0);
                if (routes.size() > 1) {
                    notMapped.add("spec.routes: an OpenShift Route has one host and path; only the first route ("
                            + first.path() + ") is mapped");
                }
                Map<String, Object> spec = new LinkedHashMap<>();
                if (host(first) != null) {
                    spec.put("host", host(first));
                }
                spec.put("path", first.path());
                spec.put("to", Map.of("kind", "Service", "name", name, "weight", 100));
                spec.put("port", Map.of("targetPort", "http"));
                GenericKubernetesResource route = new GenericKubernetesResourceBuilder()
                        .withApiVersion("route.openshift.io/v1").withKind("Route")
                        .withMetadata(meta(ns, name, name, Map.of())).build();
                route.setAdditionalProperty("spec", spec);
                yield route;
            }
        };
    }

    private static void traffic(Traffic t, List<String> notMapped) {
        if (t.loadBalancer() != Traffic.DEFAULTS.loadBalancer()) {
            notMapped.add("spec.traffic.loadBalancer: " + t.loadBalancer() + " is the ingress/gateway controller's choice on a cluster");
        }
        if (t.affinity() != null && (t.affinity().cookie() != null || t.affinity().header() != null || t.affinity().gatewayCookie())) {
            notMapped.add("spec.traffic.affinity: cookie/header affinity is controller-specific (e.g. ingress-nginx "
                    + "annotations); only clientAddress maps (Service sessionAffinity: ClientIP)");
        }
        if (!t.retries().equals(Traffic.DEFAULTS.retries())) {
            notMapped.add("spec.traffic.retries: retries are configured on the gateway/mesh, not in core Kubernetes objects");
        }
        if (t.warmupSeconds() != Traffic.DEFAULTS.warmupSeconds()) {
            notMapped.add("spec.traffic.warmupSeconds: slow start is controller-specific; pods get full traffic once Ready");
        }
    }

    private static String host(Route r) {
        return r.host() == null || Route.ANY_HOST.equals(r.host()) ? null : r.host();
    }

    private static IntOrString intOrPercent(String v) {
        return v.endsWith("%") ? new IntOrString(v) : new IntOrString(Integer.parseInt(v));
    }

    static Map<String, String> labels(String app, Map<String, String> extra) {
        Map<String, String> labels = new TreeMap<>(extra);
        labels.put(NAME_LABEL, app);
        labels.put(APP_LABEL, app);
        labels.put(MANAGED_BY, "nuri");
        return labels;
    }

    private static ObjectMeta meta(String ns, String name, String app, Map<String, String> annotations) {
        return meta(ns, name, app, annotations, Map.of());
    }

    private static ObjectMeta meta(String ns, String name, String app, Map<String, String> annotations, Map<String, String> extra) {
        return new ObjectMetaBuilder().withNamespace(ns).withName(name).withLabels(labels(app, extra))
                .withAnnotations(annotations.isEmpty() ? null : annotations).build();
    }

    /** SHA-256 of the spec as JSON: changes exactly when the App does (pods carry it as {@link #SPEC_HASH}). */
    public static String specHash(App app) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(Json.write(app.spec()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
