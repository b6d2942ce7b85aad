package io.nuri.api.codec;

import static io.nuri.api.codec.NodeReader.atLeast;
import static io.nuri.api.codec.NodeReader.between;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.nuri.api.codec.NodeReader.Problems;
import io.nuri.api.spec.App;
import io.nuri.api.spec.AppSpec;
import io.nuri.api.spec.IntOrPercent;
import io.nuri.api.spec.ObjectMeta;
import io.nuri.api.spec.Probe;
import io.nuri.api.spec.Probes;
import io.nuri.api.spec.Quantities;
import io.nuri.api.spec.Resources;
import io.nuri.api.spec.RestartPolicy;
import io.nuri.api.spec.ApmSpec;
import io.nuri.api.spec.Autoscale;
import io.nuri.api.spec.Rollout;
import io.nuri.api.spec.Route;
import io.nuri.api.spec.RunSpec;
import io.nuri.api.spec.Traffic;
import io.nuri.api.spec.VolumeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns the text of a spec file (YAML or JSON, one or more documents separated by {@code ---})
 * into validated {@link App}s with every default filled and every relative path resolved
 * against {@code baseDir}. Reports every error of every document at once; returns nothing when
 * any document has an error, so a rejected apply changes nothing.
 *
 * <p>The text is parsed by Jackson into {@link JsonNode} trees (strict about duplicate keys),
 * then each section is read by one private method through a {@link NodeReader}, which knows
 * the field path and collects problems. Adding a section (say {@code spec.autoscale}) means: one
 * name in {@link #SPEC_FIELDS}, one {@code FIELDS} list for the section, one method here, one
 * component in {@link AppSpec}.
 *
 * <p>Error paths: {@code spec.probes.readiness.periodSeconds}, {@code spec.volumes[1].name};
 * documents after the first start with {@code [doc N] } (N counts every document of the file,
 * empty ones too); problems with a whole first document have the path "".
 */
public final class SpecDecoder {
    // ----- the known fields of every mapping, in one place -----
    static final List<String> APP_FIELDS = List.of("apiVersion", "kind", "metadata", "spec");
    static final List<String> METADATA_FIELDS = List.of("name", "namespace", "labels");
    static final List<String> SPEC_FIELDS =
            List.of("run", "env", "port", "replicas", "probes", "restartPolicy", "resources", "volumes",
                    "routes", "traffic", "rollout", "autoscale", "apm");
    static final List<String> APM_FIELDS = List.of("apdexThresholdMillis", "userCookie", "userHeader");
    static final List<String> RUN_FIELDS = List.of("jar", "command", "args", "javaOpts", "workingDir");
    static final List<String> PROBES_FIELDS = List.of("startup", "readiness", "liveness");
    static final List<String> PROBE_FIELDS = List.of("http", "tcp", "exec", "initialDelaySeconds",
            "periodSeconds", "timeoutSeconds", "failureThreshold", "successThreshold");
    static final List<String> PROBE_ACTIONS = List.of("http", "tcp", "exec");
    static final List<String> HTTP_FIELDS = List.of("path");
    static final List<String> EXEC_FIELDS = List.of("command");
    static final List<String> RESOURCES_FIELDS = List.of("cpu", "memory");
    static final List<String> VOLUME_FIELDS = List.of("name", "env");
    static final List<String> ROUTE_FIELDS = List.of("host", "path", "stripPrefix", "timeoutSeconds");
    static final List<String> TRAFFIC_FIELDS =
            List.of("loadBalancer", "warmupSeconds", "affinity", "retries", "timeoutSeconds");
    static final List<String> AFFINITY_FIELDS = List.of("cookie", "gatewayCookie", "header", "clientAddress");
    static final List<String> RETRIES_FIELDS = List.of("attempts", "on", "budgetPercent", "minRetriesPerSecond");
    static final List<String> ROLLOUT_FIELDS = List.of("maxSurge", "maxUnavailable", "minReadySeconds",
            "progressDeadlineSeconds", "revisionHistoryLimit", "paused", "autoRollback", "canary");
    static final List<String> CANARY_FIELDS =
            List.of("weightPercent", "durationSeconds", "maxErrorRatePercent", "maxP95Millis");

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

    private static final Pattern NAME = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern HOST_NAME =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** RFC 3986 path characters: unreserved, sub-delims, ':', '@', '/' and %XX escapes. */
    private static final Pattern URL_PATH = Pattern.compile("([-A-Za-z0-9._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*");
    /** An HTTP token (RFC 9110): the syntax of header and cookie names. */
    private static final Pattern TOKEN = Pattern.compile("[-!#$%&'*+.^_`|~0-9A-Za-z]+");
    private static final String NAME_RULE =
            "must be lowercase letters, digits and '-', start with a letter and end with a letter or digit";
    private static final String LABEL_RULE =
            "must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final YAMLFactory YAML = YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL) // `key:` and empty documents read as null
            .build();

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
        Problems problems = new Problems(fileName == null || fileName.isBlank() ? "request body" : fileName);
        List<JsonNode> docs = parse(text == null ? "" : text, problems);
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
        String file = fileName == null || fileName.isBlank() ? "request body" : fileName;
        List<SpecError> errors = new ArrayList<>();
        for (int i = 0; i < apps.size(); i++) {
            App app = apps.get(i);
            RunSpec run = app.spec() == null ? null : app.spec().run();
            if (run == null) {
                continue;
            }
            String doc = docPath(i + 1);
            if (run.jar() != null) {
                Path jar = Path.of(run.jar());
                String problem = !Files.exists(jar) ? "file not found: " + jar
                        : !Files.isRegularFile(jar) ? "not a regular file: " + jar
                        : !Files.isReadable(jar) ? "file not readable: " + jar
                        : null;
                if (problem != null) {
                    errors.add(new SpecError(file, join(doc, "spec.run.jar"), problem + " (app " + app.key() + ")"));
                }
            }
            if (run.workingDir() != null) {
                Path dir = Path.of(run.workingDir());
                String problem = !Files.exists(dir) ? "directory not found: " + dir
                        : !Files.isDirectory(dir) ? "not a directory: " + dir
                        : null;
                if (problem != null) {
                    errors.add(new SpecError(file, join(doc, "spec.run.workingDir"), problem + " (app " + app.key() + ")"));
                }
            }
        }
        return errors;
    }

    // ----- parsing: text -> trees -----

    /**
     * The documents of a YAML or JSON text for decoders of other kinds (GlobalService, ...): the
     * same syntax rules and error messages as Apps. Null entries stand for empty documents.
     */
    public static List<JsonNode> documents(Problems problems, String text) {
        return parse(text == null ? "" : text, problems);
    }

    /**
     * Every document of the text in order (null entries for empty ones). A syntax error ends the
     * parse: it is reported with its line and column, and the documents before it are kept.
     */
    private static List<JsonNode> parse(String text, Problems problems) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        boolean json = body.stripLeading().startsWith("{"); // as kubectl: a leading '{' means JSON
        List<JsonNode> docs = new ArrayList<>();
        try (JsonParser parser = json ? JSON.createParser(body) : new NoAliases(YAML.createParser(body));
                MappingIterator<JsonNode> it = Json.MAPPER.readerFor(JsonNode.class).readValues(parser)) {
            while (it.hasNextValue()) {
                docs.add(it.nextValue());
            }
        } catch (JsonProcessingException e) {
            String doc = docPath(docs.size() + 1);
            String duplicate = duplicateKeyPath(e);
            if (duplicate != null) {
                problems.add(join(doc, duplicate), "duplicate key" + at(e));
            } else {
                problems.add(doc, syntaxMessage(e, json));
            }
        } catch (IOException | RuntimeException e) {
            // SnakeYAML and Jackson report bad input as JsonProcessingException; anything else is
            // still bad input, never a crash of the caller
            problems.add(docPath(docs.size() + 1), "cannot read " + (json ? "JSON" : "YAML") + ": " + e.getMessage());
        }
        return docs;
    }

    private static String syntaxMessage(JsonProcessingException e, boolean json) {
        String kind = json ? "JSON" : "YAML";
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblemMark() != null) {
                String problem = String.valueOf(m.getProblem()).replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
                String msg = "invalid YAML at line " + (m.getProblemMark().getLine() + 1)
                        + ", column " + (m.getProblemMark().getColumn() + 1) + ": " + problem;
                if (m.getContext() != null) {
                    msg += " (" + m.getContext()
                            + (m.getContextMark() == null ? "" : " at line " + (m.getContextMark().getLine() + 1)
                                    + ", column " + (m.getContextMark().getColumn() + 1))
                            + ")";
                    if (m.getContext().contains("alias")) {
                        msg += "; a value starting with '*' must be quoted, e.g. host: \"*\"";
                    }
                }
                return msg;
            }
        }
        String original = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        original = original.lines().findFirst().orElse(original);
        var loc = e.getLocation();
        return loc == null || loc.getLineNr() < 1
                ? "invalid " + kind + ": " + original
                : "invalid " + kind + " at line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": " + original;
    }

    /** For Jackson's "Duplicate field 'x'", the dotted path of the key; else null. */
    private static String duplicateKeyPath(JsonProcessingException e) {
        if (e.getOriginalMessage() == null || !e.getOriginalMessage().startsWith("Duplicate field")
                || !(e.getProcessor() instanceof JsonParser p)) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        for (JsonStreamContext c = p.getParsingContext(); c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inObject()) {
                String name = c.getCurrentName() == null ? "?" : c.getCurrentName();
                parts.addFirst(name.matches("[A-Za-z_][A-Za-z0-9_-]*") ? "." + name : "[" + Json.write(name) + "]");
            } else if (c.inArray()) {
                parts.addFirst("[" + Math.max(0, c.getCurrentIndex()) + "]");
            }
        }
        String path = String.join("", parts);
        return path.startsWith(".") ? path.substring(1) : path;
    }

    private static String at(JsonProcessingException e) {
        var loc = e.getLocation();
        return loc == null || loc.getLineNr() < 1 ? "" : " at line " + loc.getLineNr();
    }

    /**
     * Jackson reads a YAML alias ({@code *name}) into a tree as the plain string "name". Rather
     * than let a wrong value through, aliases are rejected.
     */
    private static final class NoAliases extends JsonParserDelegate {
        NoAliases(JsonParser yaml) {
            super(yaml);
        }

        @Override
        public JsonToken nextToken() throws IOException {
            JsonToken t = super.nextToken();
            if (delegate instanceof YAMLParser y && y.isCurrentAlias()) {
                throw new JsonParseException(this, "YAML aliases (*" + y.getText() + ") are not supported; repeat the value");
            }
            return t;
        }
    }

    // ----- one method per section -----

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
        ObjectMeta metadata = metadata(doc.objectOrEmpty("metadata", METADATA_FIELDS));
        AppSpec spec = spec(doc.objectOrEmpty("spec", SPEC_FIELDS), baseDir);
        return metadata == null || spec == null ? null : new App(App.API_VERSION, App.KIND, metadata, spec);
    }

    private static ObjectMeta metadata(NodeReader r) {
        if (r == null) {
            return null;
        }
        String name = r.requiredString("name");
        checkName(r, "name", name);
        String namespace = r.string("namespace");
        checkName(r, "namespace", namespace);
        Map<String, String> labels = r.stringMap("labels", SpecDecoder::labelProblem);
        return new ObjectMeta(name, namespace == null ? ObjectMeta.DEFAULT_NAMESPACE : namespace, labels);
    }

    private static AppSpec spec(NodeReader r, Path baseDir) {
        if (r == null) {
            return null;
        }
        RunSpec run = null;
        if (r.has("run")) {
            run = run(r.object("run", RUN_FIELDS), baseDir);
        } else {
            r.error("run", "required");
        }
        Map<String, String> env = env(r);
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
        Probes probes = probes(r.object("probes", PROBES_FIELDS));
        RestartPolicy restartPolicy = restartPolicy(r);
        Resources resources = resources(r.object("resources", RESOURCES_FIELDS));
        List<VolumeSpec> volumes = volumes(r, env == null ? Map.of() : env);
        List<Route> routes = routes(r);
        Traffic traffic = traffic(r.object("traffic", TRAFFIC_FIELDS));
        Rollout rollout = rollout(r.object("rollout", ROLLOUT_FIELDS));
        ApmSpec apm = apm(r.object("apm", APM_FIELDS));
        return new AppSpec(run, env, port, replicas, probes, restartPolicy, resources, volumes, routes, traffic, rollout,
                autoscale, apm);
    }

    private static ApmSpec apm(NodeReader r) {
        if (r == null) {
            return ApmSpec.DEFAULTS;
        }
        int t = r.integer("apdexThresholdMillis", (int) ApmSpec.DEFAULTS.apdexThresholdMillis(), between(1, 600_000));
        String cookie = r.string("userCookie");
        String header = r.string("userHeader");
        if (cookie != null && header != null) {
            r.error("userHeader", "give userCookie or userHeader, not both");
        }
        if (cookie != null && !TOKEN.matcher(cookie).matches()) {
            r.error("userCookie", "not a cookie name, got " + Json.write(cookie));
        }
        if (header != null && !TOKEN.matcher(header).matches()) {
            r.error("userHeader", "not a header name, got " + Json.write(header));
        }
        return new ApmSpec(t, header == null && cookie == null ? ApmSpec.DEFAULTS.userCookie() : cookie, header);
    }

    private static RunSpec run(NodeReader r, Path baseDir) {
        if (r == null) {
            return null;
        }
        boolean hasJar = r.has("jar");
        boolean hasCommand = r.has("command");
        if (!hasJar && !hasCommand) {
            r.error("must have exactly one of jar, command");
        } else if (hasJar && hasCommand) {
            r.error("must have only one of jar, command, got both");
        }
        String jar = path(r, "jar", baseDir);
        List<String> command = null;
        if (hasCommand) {
            if (r.raw("command").isTextual()) {
                r.error("command", "must be a list of strings (program and arguments), "
                        + "e.g. [\"./server\", \"--port\", \"8080\"], got a string");
            } else {
                command = r.strings("command");
                if (command != null && command.isEmpty()) {
                    r.error("command", "must not be empty");
                } else if (command != null && command.getFirst().isBlank()) {
                    r.error("command", "the program (first element) must not be blank");
                }
            }
        }
        List<String> args = r.strings("args");
        List<String> javaOpts = r.strings("javaOpts");
        if (r.has("javaOpts") && !hasJar) {
            r.error("javaOpts", "only allowed with jar");
        }
        String workingDir = path(r, "workingDir", baseDir);
        return new RunSpec(jar, command, args, javaOpts, workingDir);
    }

    /** A path field made absolute and normalized; relative ones resolve against baseDir. */
    private static String path(NodeReader r, String field, Path baseDir) {
        String s = r.string(field);
        if (s == null) {
            return null;
        }
        if (s.isBlank()) {
            r.error(field, "must not be empty");
            return null;
        }
        Path p;
        try {
            p = Path.of(s);
        } catch (InvalidPathException e) {
            r.error(field, "is not a valid path: " + e.getReason() + ", got " + Json.write(s));
            return null;
        }
        if (p.isAbsolute()) {
            return p.normalize().toString();
        }
        if (baseDir == null) {
            r.error(field, "must be an absolute path when the spec is not read from a file, got " + Json.write(s));
            return null;
        }
        return baseDir.resolve(p).toAbsolutePath().normalize().toString();
    }

    private static Map<String, String> env(NodeReader r) {
        return r.stringMap("env", (name, value) -> {
            if (!ENV_NAME.matcher(name).matches()) {
                return "invalid environment variable name (letters, digits and '_', not starting with a digit)";
            }
            return reservedEnvProblem(name);
        });
    }

    private static String reservedEnvProblem(String name) {
        if (name.equals("PORT")) {
            return "PORT is reserved: the platform sets it to the port the instance must listen on";
        }
        if (name.startsWith("NURI_")) {
            return "names starting with NURI_ are reserved for the platform";
        }
        return null;
    }

    private static Probes probes(NodeReader r) {
        if (r == null) {
            return new Probes(null, Probe.defaultReadiness(), null);
        }
        Probe startup = probe(r.object("startup", PROBE_FIELDS), "startup");
        Probe readiness = probe(r.object("readiness", PROBE_FIELDS), "readiness");
        Probe liveness = probe(r.object("liveness", PROBE_FIELDS), "liveness");
        return new Probes(startup, readiness == null ? Probe.defaultReadiness() : readiness, liveness);
    }

    private static Probe probe(NodeReader r, String kind) {
        if (r == null) {
            return null;
        }
        List<String> actions = PROBE_ACTIONS.stream().filter(r::has).toList();
        if (actions.isEmpty()) {
            r.error("must have exactly one of http, tcp, exec");
        } else if (actions.size() > 1) {
            r.error("must have only one of http, tcp, exec, got " + String.join(" and ", actions));
        }
        Probe.Http http = null;
        NodeReader h = r.object("http", HTTP_FIELDS);
        if (h != null) {
            String path = h.string("path");
            if (path != null && !path.startsWith("/")) {
                h.error("path", "must start with '/', got " + Json.write(path));
            }
            http = new Probe.Http(path == null ? "/" : path);
        }
        Probe.Tcp tcp = null;
        JsonNode t = r.raw("tcp");
        if (t != null) {
            if (t.isObject()) {
                r.object("tcp", List.of()); // reports any field inside
                tcp = new Probe.Tcp();
            } else if (t.isBoolean() && t.booleanValue()) {
                tcp = new Probe.Tcp();
            } else {
                r.error("tcp", "must be {} or true, got " + NodeReader.describe(t));
            }
        }
        Probe.Exec exec = null;
        NodeReader x = r.object("exec", EXEC_FIELDS);
        if (x != null) {
            List<String> command = x.has("command") ? x.strings("command") : null;
            if (!x.has("command")) {
                x.error("command", "required");
            } else if (command != null && command.isEmpty()) {
                x.error("command", "must not be empty");
            }
            exec = new Probe.Exec(command);
        }
        int initialDelay = r.integer("initialDelaySeconds", Probe.DEFAULT_INITIAL_DELAY_SECONDS,
                between(0, MAX_PROBE_SECONDS));
        double period = r.number("periodSeconds", Probe.DEFAULT_PERIOD_SECONDS, d -> d <= 0 ? "must be > 0"
                : d < MIN_PERIOD_SECONDS ? "must be at least " + MIN_PERIOD_SECONDS
                : d > MAX_PROBE_SECONDS ? "must be at most " + MAX_PROBE_SECONDS
                : null);
        double timeout = r.number("timeoutSeconds", Probe.DEFAULT_TIMEOUT_SECONDS, d -> d <= 0 ? "must be > 0"
                : d > MAX_PROBE_SECONDS ? "must be at most " + MAX_PROBE_SECONDS
                : null);
        int failure = r.integer("failureThreshold", Probe.DEFAULT_FAILURE_THRESHOLD, atLeast(1));
        int success = r.integer("successThreshold", Probe.DEFAULT_SUCCESS_THRESHOLD,
                kind.equals("readiness") ? atLeast(1)
                        : n -> n == 1 ? null : "must be 1 for " + kind + " probes");
        return new Probe(http, tcp, exec, initialDelay, period, timeout, failure, success);
    }

    private static RestartPolicy restartPolicy(NodeReader r) {
        return enumValue(r, "restartPolicy", RestartPolicy.class, RestartPolicy.Always);
    }

    private static Resources resources(NodeReader r) {
        if (r == null) {
            return Resources.NONE;
        }
        String cpu = quantity(r, "cpu", Quantities::parseCpuMillis);
        String memory = quantity(r, "memory", Quantities::parseBytes);
        return new Resources(cpu, memory);
    }

    private static String quantity(NodeReader r, String field, Function<String, Long> parser) {
        String s = r.scalarText(field);
        if (s == null) {
            return null;
        }
        try {
            parser.apply(s);
            return s;
        } catch (IllegalArgumentException | ArithmeticException e) {
            r.error(field, e instanceof ArithmeticException ? "is out of range, got " + Json.write(s) : e.getMessage());
            return null;
        }
    }

    private static List<VolumeSpec> volumes(NodeReader spec, Map<String, String> env) {
        List<VolumeSpec> out = new ArrayList<>();
        Map<String, String> nameAt = new LinkedHashMap<>();
        Map<String, String> envAt = new LinkedHashMap<>();
        for (NodeReader v : spec.objects("volumes", VOLUME_FIELDS)) {
            String name = v.requiredString("name");
            boolean nameOk = checkName(v, "name", name);
            String var = v.string("env");
            if (var != null) {
                String problem = !ENV_NAME.matcher(var).matches()
                        ? "invalid environment variable name (letters, digits and '_', not starting with a digit), got "
                                + Json.write(var)
                        : reservedEnvProblem(var);
                if (problem != null) {
                    v.error("env", problem);
                    var = null;
                }
            }
            if (!nameOk) {
                continue;
            }
            String where = stripDoc(v.path());
            String otherName = nameAt.putIfAbsent(name, where);
            if (otherName != null) {
                v.error("name", "duplicate volume name " + Json.write(name) + " (also at " + otherName + ")");
                continue;
            }
            VolumeSpec volume = new VolumeSpec(name, var);
            String otherEnv = envAt.putIfAbsent(volume.envVar(), where);
            if (otherEnv != null) {
                v.error("env", "duplicate volume env " + Json.write(volume.envVar()) + " (also at " + otherEnv + ")");
            } else if (env.containsKey(volume.envVar())) {
                v.error("env", Json.write(volume.envVar()) + " is also set in spec.env");
            }
            out.add(volume);
        }
        return out;
    }

    private static List<Route> routes(NodeReader spec) {
        List<Route> out = new ArrayList<>();
        Map<String, String> seen = new LinkedHashMap<>();
        for (NodeReader r : spec.objects("routes", ROUTE_FIELDS)) {
            String host = host(r);
            String path = routePath(r);
            boolean stripPrefix = r.bool("stripPrefix", false);
            Double timeout = r.has("timeoutSeconds")
                    ? r.number("timeoutSeconds", Traffic.DEFAULTS.timeoutSeconds(), timeoutCheck())
                    : null;
            if (host == null || path == null) {
                continue;
            }
            String where = stripDoc(r.path());
            String other = seen.putIfAbsent(host + " " + path, where);
            if (other != null) {
                r.error("duplicate route: host " + Json.write(host) + " and path " + Json.write(path)
                        + " are also at " + other);
                continue;
            }
            out.add(new Route(host, path, stripPrefix, timeout));
        }
        return out;
    }

    /** A route's host: a lowercase DNS name, or "*" (the default) for any host; null when bad. */
    private static String host(NodeReader r) {
        if (!r.has("host")) {
            return Route.ANY_HOST;
        }
        String host = r.string("host");
        if (host == null) {
            return null;
        }
        String problem = hostProblem(host);
        if (problem != null) {
            r.error("host", problem + ", got " + NodeReader.describe(r.raw("host")));
            return null;
        }
        return host;
    }

    private static String hostProblem(String host) {
        if (host.equals(Route.ANY_HOST)) {
            return null;
        }
        if (host.contains("://")) {
            return "must be a host name without a scheme";
        }
        if (host.startsWith("*.") || host.equals("*.")) {
            return "wildcard hosts are not supported: use a full host name, or \"*\" for any host";
        }
        if (host.contains("/")) {
            return "must be a host name without a path (the path goes in path)";
        }
        if (host.contains(":")) {
            return "must be a host name without a port";
        }
        if (!host.equals(host.toLowerCase(java.util.Locale.ROOT))) {
            return "must be lowercase";
        }
        if (host.length() > MAX_HOST_LENGTH) {
            return "must be at most " + MAX_HOST_LENGTH + " characters";
        }
        if (!HOST_NAME.matcher(host).matches() || Arrays.stream(host.split("\\.")).anyMatch(l -> l.length() > 63)) {
            return "must be a DNS name (labels of lowercase letters, digits and '-', separated by '.', "
                    + "each at most 63 characters, starting and ending with a letter or digit) or \"*\" for any host";
        }
        return null;
    }

    /** A route's path prefix, "/" by default, without a trailing '/'; null when bad. */
    private static String routePath(NodeReader r) {
        if (!r.has("path")) {
            return "/";
        }
        String path = r.string("path");
        if (path == null) {
            return null;
        }
        String problem = !path.startsWith("/") ? "must start with '/'"
                : path.contains("?") ? "must not contain a query ('?')"
                : path.contains("#") ? "must not contain a fragment ('#')"
                : path.contains("//") ? "must not contain empty segments ('//')"
                : Arrays.stream(path.split("/")).anyMatch(seg -> seg.equals(".") || seg.equals(".."))
                        ? "must not contain '.' or '..' segments"
                : !URL_PATH.matcher(path).matches()
                        ? "may only contain letters, digits, '/', the characters -._~!$&'()*+,;=:@ and %XX escapes"
                : null;
        if (problem != null) {
            r.error("path", problem + ", got " + Json.write(path));
            return null;
        }
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static Traffic traffic(NodeReader r) {
        if (r == null) {
            return Traffic.DEFAULTS;
        }
        Traffic d = Traffic.DEFAULTS;
        Traffic.LoadBalancer lb = enumValue(r, "loadBalancer", Traffic.LoadBalancer.class, d.loadBalancer());
        double warmup = r.number("warmupSeconds", d.warmupSeconds(), numberBetween(0, MAX_TRAFFIC_SECONDS));
        Traffic.Affinity affinity = affinity(r.object("affinity", AFFINITY_FIELDS));
        Traffic.Retries retries = retries(r.object("retries", RETRIES_FIELDS));
        double timeout = r.number("timeoutSeconds", d.timeoutSeconds(), timeoutCheck());
        return new Traffic(lb, warmup, affinity, retries, timeout);
    }

    private static Traffic.Affinity affinity(NodeReader r) {
        if (r == null) {
            return null;
        }
        String cookie = token(r, "cookie", "cookie name");
        boolean gatewayCookie = r.bool("gatewayCookie", false);
        String header = token(r, "header", "header name");
        boolean clientAddress = r.bool("clientAddress", false);
        List<String> kinds = new ArrayList<>();
        if (r.has("cookie")) {
            kinds.add("cookie");
        }
        if (gatewayCookie) {
            kinds.add("gatewayCookie");
        }
        if (r.has("header")) {
            kinds.add("header");
        }
        if (clientAddress) {
            kinds.add("clientAddress");
        }
        if (kinds.isEmpty()) {
            r.error("must have exactly one of cookie, gatewayCookie: true, header, clientAddress: true");
        } else if (kinds.size() > 1) {
            r.error("must have only one of cookie, gatewayCookie, header, clientAddress, got " + String.join(" and ", kinds));
        }
        return new Traffic.Affinity(cookie, gatewayCookie, header, clientAddress);
    }

    /** A header or cookie name: an HTTP token (letters, digits and !#$%&'*+-.^_`|~). */
    private static String token(NodeReader r, String field, String what) {
        String s = r.string(field);
        if (s != null && !TOKEN.matcher(s).matches()) {
            r.error(field, "must be a valid " + what + " (letters, digits and !#$%&'*+-.^_`|~), got " + Json.write(s));
            return null;
        }
        return s;
    }

    private static Traffic.Retries retries(NodeReader r) {
        Traffic.Retries d = Traffic.Retries.DEFAULTS;
        if (r == null) {
            return d;
        }
        int attempts = r.integer("attempts", d.attempts(), between(1, 10));
        List<String> on = retryConditions(r);
        double budget = r.number("budgetPercent", d.budgetPercent(), numberBetween(0, 100));
        int minPerSecond = r.integer("minRetriesPerSecond", d.minRetriesPerSecond(), between(0, 1000));
        return new Traffic.Retries(attempts, on == null ? d.on() : on, budget, minPerSecond);
    }

    /** {@code retries.on}: strings, or numbers for the status codes (502 reads as "502"). */
    private static List<String> retryConditions(NodeReader r) {
        JsonNode v = r.raw("on");
        if (v == null) {
            return null;
        }
        if (!v.isArray()) {
            r.error("on", "must be a list, got " + NodeReader.describe(v));
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            String text = e.isTextual() ? e.textValue() : e.isIntegralNumber() ? e.asText() : null;
            if (text == null || !RETRY_CONDITIONS.contains(text)) {
                r.error("on", i, "must be one of " + String.join(", ", RETRY_CONDITIONS)
                        + ", got " + NodeReader.describe(e));
            } else if (out.contains(text)) {
                r.error("on", i, "duplicate " + Json.write(text));
            } else {
                out.add(text);
            }
        }
        return out;
    }

    private static Rollout rollout(NodeReader r) {
        Rollout d = Rollout.DEFAULTS;
        if (r == null) {
            return d;
        }
        String surge = intOrPercent(r, "maxSurge", d.maxSurge());
        String unavailable = intOrPercent(r, "maxUnavailable", d.maxUnavailable());
        if (surge != null && unavailable != null && IntOrPercent.isZero(surge) && IntOrPercent.isZero(unavailable)) {
            r.error("maxSurge and maxUnavailable cannot both be 0");
        }
        int before = r.problemCount();
        int minReady = r.integer("minReadySeconds", d.minReadySeconds(), between(0, MAX_TRAFFIC_SECONDS));
        int deadline = r.integer("progressDeadlineSeconds", d.progressDeadlineSeconds(), between(1, MAX_ROLLOUT_SECONDS));
        if (r.problemCount() == before && deadline <= minReady) {
            r.error("progressDeadlineSeconds", "must be > minReadySeconds (" + minReady + "), got " + deadline
                    + (r.has("progressDeadlineSeconds") ? "" : " (the default)"));
        }
        int history = r.integer("revisionHistoryLimit", d.revisionHistoryLimit(), between(0, 100));
        boolean paused = r.bool("paused", d.paused());
        boolean autoRollback = r.bool("autoRollback", d.autoRollback());
        Rollout.Canary canary = canary(r.object("canary", CANARY_FIELDS));
        return new Rollout(surge, unavailable, minReady, deadline, history, paused, autoRollback, canary);
    }

    /** An integer >= 0 or a percentage "N%" (N from 0 to 100), as canonical text; null when bad. */
    private static String intOrPercent(NodeReader r, String field, String dflt) {
        return intOrPercent(r, field, dflt, 100);
    }

    static String intOrPercent(NodeReader r, String field, String dflt, int maxPercent) {
        JsonNode v = r.raw(field);
        if (v == null) {
            return dflt;
        }
        String text = v.isTextual() ? v.textValue() : v.isIntegralNumber() ? v.bigIntegerValue().toString() : null;
        String problem = text == null ? "must be an integer or a percentage like \"25%\""
                : IntOrPercent.problem(text, maxPercent);
        if (problem != null) {
            r.error(field, problem + ", got " + NodeReader.describe(v));
            return null;
        }
        return text.replaceFirst("^0+(?=[0-9])", ""); // canonical: leading zeros dropped
    }

    private static Rollout.Canary canary(NodeReader r) {
        if (r == null) {
            return null;
        }
        int weight = r.has("weightPercent") ? r.integer("weightPercent", 0, between(1, 99)) : required(r, "weightPercent");
        int duration = r.has("durationSeconds")
                ? r.integer("durationSeconds", 0, between(1, MAX_ROLLOUT_SECONDS))
                : required(r, "durationSeconds");
        double maxErrorRate = r.number("maxErrorRatePercent", 1, numberBetween(0, 100));
        double maxP95 = r.number("maxP95Millis", 0, d -> d < 0 ? "must be >= 0" : null);
        return new Rollout.Canary(weight, duration, maxErrorRate, maxP95);
    }

    private static int required(NodeReader r, String field) {
        r.error(field, "required");
        return 0;
    }

    // ----- shared rules -----

    /** One of the enum's constant names (case matters); the default when absent. */
    private static <E extends Enum<E>> E enumValue(NodeReader r, String field, Class<E> type, E dflt) {
        String s = r.string(field);
        if (s == null) {
            return dflt;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(s)) {
                return e;
            }
        }
        r.error(field, "must be one of "
                + Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", "))
                + ", got " + Json.write(s));
        return dflt;
    }

    /** A request timeout: more than 0, at most an hour. */
    private static DoubleFunction<String> timeoutCheck() {
        return d -> d <= 0 ? "must be > 0" : d > MAX_TRAFFIC_SECONDS ? "must be at most " + MAX_TRAFFIC_SECONDS : null;
    }

    private static DoubleFunction<String> numberBetween(int min, int max) {
        return d -> d >= min && d <= max ? null : "must be between " + min + " and " + max;
    }

    /** DNS-1123 label starting with a letter, at most {@link #MAX_NAME_LENGTH}; false when bad. */
    private static boolean checkName(NodeReader r, String field, String value) {
        if (value == null) {
            return false;
        }
        if (value.length() > MAX_NAME_LENGTH) {
            r.error(field, "must be at most " + MAX_NAME_LENGTH + " characters, got " + value.length());
            return false;
        }
        if (!NAME.matcher(value).matches()) {
            r.error(field, NAME_RULE + ", got " + Json.write(value));
            return false;
        }
        return true;
    }

    /**
     * Kubernetes label syntax. Key: optional DNS subdomain prefix and '/', then a name of up to
     * 63 letters, digits, '-', '_', '.'; value: empty or such a name.
     */
    private static String labelProblem(String key, String value) {
        int slash = key.indexOf('/');
        String prefix = slash < 0 ? null : key.substring(0, slash);
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (prefix != null && (prefix.isEmpty() || prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches())) {
            return "invalid label key: the prefix before '/' must be a DNS subdomain (lowercase letters, digits, '-' and '.')";
        }
        if (name.isEmpty() || name.length() > 63 || !LABEL_NAME.matcher(name).matches()) {
            return "invalid label key: the name " + LABEL_RULE;
        }
        if (!value.isEmpty() && (value.length() > 63 || !LABEL_NAME.matcher(value).matches())) {
            return "invalid label value: " + LABEL_RULE + ", got " + Json.write(value);
        }
        return null;
    }

    /** "" for the first document, "[doc N]" for the others. */
    public static String docPath(int docNumber) {
        return docNumber <= 1 ? "" : "[doc " + docNumber + "]";
    }

    public static String join(String docPath, String path) {
        return docPath.isEmpty() ? path : docPath + " " + path;
    }

    private static String stripDoc(String path) {
        return path.startsWith("[doc ") ? path.substring(path.indexOf(']') + 1).strip() : path;
    }
}
