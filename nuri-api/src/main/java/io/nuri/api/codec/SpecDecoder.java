package io.nuri.api.codec;

import static io.nuri.api.codec.NodeReader.between;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuri.api.codec.NodeReader.Problems;
import io.nuri.api.spec.ApmSpec;
import io.nuri.api.spec.App;
import io.nuri.api.spec.AppSpec;
import io.nuri.api.spec.Autoscale;
import io.nuri.api.spec.ObjectMeta;
import io.nuri.api.spec.Probes;
import io.nuri.api.spec.Resources;
import io.nuri.api.spec.RestartPolicy;
import io.nuri.api.spec.Rollout;
import io.nuri.api.spec.Route;
import io.nuri.api.spec.RunSpec;
import io.nuri.api.spec.Traffic;
import io.nuri.api.spec.VolumeSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the text of a spec file (YAML or JSON, one or more documents separated by {@code ---})
 * into validated {@link App}s with every default filled and every relative path resolved
 * against {@code baseDir}. Reports every error of every document at once; returns nothing when
 * any document has an error, so a rejected apply changes nothing.
 *
 * <p>The text is parsed by Jackson into {@link JsonNode} trees ({@link DocumentParser}), then
 * each section is read by its own reader class through a {@link NodeReader}, which knows the
 * field path and collects problems: {@link MetadataReader}, {@link RunReader}, {@link EnvReader},
 * {@link ProbesReader}, {@link ResourcesReader}, {@link VolumesReader}, {@link RoutesReader},
 * {@link TrafficReader}, {@link RolloutReader}, {@link AutoscaleReader}, {@link ApmReader}; the
 * rules several sections share are in {@link Fields}. This class composes them. Adding a section
 * (say {@code spec.autoscale}) means: one name in {@link #SPEC_FIELDS}, one reader class with
 * its {@code FIELDS} and {@code read} method, one line in {@code spec(...)} here, one component
 * in {@link AppSpec}.
 *
 * <p>Error paths: {@code spec.probes.readiness.periodSeconds}, {@code spec.volumes[1].name};
 * documents after the first start with {@code [doc N] } (N counts every document of the file,
 * empty ones too); problems with a whole first document have the path "".
 */
public final class SpecDecoder {
    static final List<String> APP_FIELDS = List.of("apiVersion", "kind", "metadata", "spec");
    static final List<String> SPEC_FIELDS =
            List.of("run", "env", "port", "replicas", "probes", "restartPolicy", "resources", "volumes",
                    "routes", "traffic", "rollout", "autoscale", "apm");

    /** The values of {@code spec.traffic.retries.on}. */
    public static final List<String> RETRY_CONDITIONS = List.of("502", "503", "504", "5xx", "reset", "timeout");

    /** Max length of app names and namespaces (they end up in paths, env names and URLs). */
    public static final int MAX_NAME_LENGTH = 40;
    public static final int MAX_REPLICAS = 1000;
    /** Upper bound of every probe timing, in seconds (one day). */
    public static final int MAX_PROBE_SECONDS = 86_400;
    public static final double MIN_PERIOD_SECONDS = 0.1;
    /** Upper bound of request timeouts, warmup, minReadySeconds (one hour). */
    public static final int MAX_TRAFFIC_SECONDS = 3600;
    /** Upper bound of progressDeadlineSeconds and canary durationSeconds (one day). */
    public static final int MAX_ROLLOUT_SECONDS = 86_400;
    public static final int MAX_HOST_LENGTH = 253;

    private SpecDecoder() {}

    /**
     * @param fileName the name used in error messages (e.g. "portal.yaml"); null or blank means
     *     "request body"
     * @param baseDir folder that relative paths resolve against; null means relative paths are
     *     an error ("must be an absolute path when the spec is not read from a file")
     * @return one App per non-empty document, in document order
     * @throws SpecException with every problem found, when there is any
     */
    public static List<App> decode(String fileName, String text, Path baseDir) throws SpecException {
        Problems problems = new Problems(fileLabel(fileName));
        List<JsonNode> docs = DocumentParser.parse(text, problems);
        List<App> apps = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < docs.size(); i++) {
            JsonNode doc = docs.get(i);
            if (doc == null || doc.isNull() || doc.isMissingNode()) {
                continue; // empty document, e.g. only comments
            }
            int before = problems.size();
            String docPath = docPath(i + 1);
            App app = app(NodeReader.document(problems, docPath, doc, APP_FIELDS), baseDir);
            if (app == null || problems.size() > before) {
                continue;
            }
            Integer first = seen.putIfAbsent(app.key(), i + 1);
            if (first != null) {
                problems.add(join(docPath, "metadata.name"),
                        "App \"" + app.key() + "\" is already defined in document " + first);
            }
            apps.add(app);
        }
        if (problems.isEmpty() && apps.isEmpty()) {
            problems.add("", "no App in the spec (it is empty or only has comments)");
        }
        if (!problems.isEmpty()) {
            throw new SpecException(problems.errors());
        }
        return List.copyOf(apps);
    }

    /**
     * Reports the files that decoded apps refer to and that are missing: {@code spec.run.jar}
     * must be a readable regular file, {@code spec.run.workingDir} a directory. The decoder does
     * not look at the file system; the server calls this on apply. Paths are prefixed with
     * {@code [doc N] } by the app's position in {@code apps} (N > 1), and messages name the app.
     */
    public static List<SpecError> checkFiles(String fileName, List<App> apps) {
        Problems problems = new Problems(fileLabel(fileName));
        for (int i = 0; i < apps.size(); i++) {
            App app = apps.get(i);
            RunSpec run = app.spec() == null ? null : app.spec().run();
            if (run == null) {
                continue;
            }
            String doc = docPath(i + 1);
            String appName = " (app " + app.key() + ")";
            if (run.jar() != null) {
                Path jar = Path.of(run.jar());
                String problem = !Files.exists(jar) ? "file not found: " + jar
                        : !Files.isRegularFile(jar) ? "not a regular file: " + jar
                        : !Files.isReadable(jar) ? "file not readable: " + jar
                        : null;
                if (problem != null) {
                    problems.add(join(doc, "spec.run.jar"), problem + appName);
                }
            }
            if (run.workingDir() != null) {
                Path dir = Path.of(run.workingDir());
                String problem = !Files.exists(dir) ? "directory not found: " + dir
                        : !Files.isDirectory(dir) ? "not a directory: " + dir
                        : null;
                if (problem != null) {
                    problems.add(join(doc, "spec.run.workingDir"), problem + appName);
                }
            }
        }
        return problems.errors();
    }

    /** The file name errors name: "request body" when there is no file. */
    private static String fileLabel(String fileName) {
        return fileName == null || fileName.isBlank() ? "request body" : fileName;
    }

    /**
     * The documents of a YAML or JSON text for decoders of other kinds (GlobalService, ...): the
     * same syntax rules and error messages as Apps. Null entries stand for empty documents.
     */
    public static List<JsonNode> documents(Problems problems, String text) {
        return DocumentParser.parse(text, problems);
    }

    /** "" for the first document, "[doc N]" for the others. */
    public static String docPath(int docNumber) {
        return docNumber <= 1 ? "" : "[doc " + docNumber + "]";
    }

    public static String join(String docPath, String path) {
        return docPath.isEmpty() ? path : docPath + " " + path;
    }

    // ----- the sections, in the order their problems are reported -----

    private static App app(NodeReader doc, Path baseDir) {
        if (doc == null) {
            return null;
        }
        String apiVersion = doc.requiredString("apiVersion");
        if (apiVersion != null && !apiVersion.equals(App.API_VERSION)) {
            doc.error("apiVersion", "must be \"" + App.API_VERSION + "\", got " + Json.write(apiVersion));
        }
        String kind = doc.requiredString("kind");
        if (kind != null && !kind.equals(App.KIND)) {
            doc.error("kind", "must be \"" + App.KIND + "\", got " + Json.write(kind));
        }
        ObjectMeta metadata = MetadataReader.read(doc.objectOrEmpty("metadata", MetadataReader.FIELDS));
        AppSpec spec = spec(doc.objectOrEmpty("spec", SPEC_FIELDS), baseDir);
        return metadata == null || spec == null ? null : new App(App.API_VERSION, App.KIND, metadata, spec);
    }

    private static AppSpec spec(NodeReader r, Path baseDir) {
        if (r == null) {
            return null;
        }
        RunSpec run = null;
        if (r.has("run")) {
            run = RunReader.read(r.object("run", RunReader.FIELDS), baseDir);
        } else {
            Fields.required(r, "run");
        }
        Map<String, String> env = EnvReader.read(r);
        int port = r.integer("port", AppSpec.DEFAULT_PORT, between(1, 65535));
        int replicas = r.integer("replicas", 1, between(0, MAX_REPLICAS));
        Autoscale autoscale = AutoscaleReader.read(r.object("autoscale", AutoscaleReader.FIELDS));
        if (autoscale != null) {
            if (r.has("replicas")) {
                r.error("replicas", "leave it out when spec.autoscale is set: the autoscaler owns the count between"
                        + " autoscale.minReplicas and autoscale.maxReplicas");
            }
            replicas = autoscale.initialReplicas();
        }
        Probes probes = ProbesReader.read(r.object("probes", ProbesReader.FIELDS));
        RestartPolicy restartPolicy = Fields.enumValue(r, "restartPolicy", RestartPolicy.class, RestartPolicy.Always);
        Resources resources = ResourcesReader.read(r.object("resources", ResourcesReader.FIELDS));
        List<VolumeSpec> volumes = VolumesReader.read(r.objects("volumes", VolumesReader.FIELDS),
                env == null ? Map.of() : env);
        List<Route> routes = RoutesReader.read(r.objects("routes", RoutesReader.FIELDS));
        Traffic traffic = TrafficReader.read(r.object("traffic", TrafficReader.FIELDS));
        Rollout rollout = RolloutReader.read(r.object("rollout", RolloutReader.FIELDS));
        ApmSpec apm = ApmReader.read(r.object("apm", ApmReader.FIELDS));
        return new AppSpec(run, env, port, replicas, probes, restartPolicy, resources, volumes, routes, traffic, rollout,
                autoscale, apm);
    }
}
