package io.nuri.api.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nuri.api.spec.App;
import io.nuri.api.spec.IntOrPercent;
import io.nuri.api.spec.Probe;
import io.nuri.api.spec.Rollout;
import io.nuri.api.spec.Route;
import io.nuri.api.spec.Traffic;
import io.nuri.api.spec.VolumeSpec;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Property-based tests of {@link SpecDecoder}: random text, random trees, mutated valid specs
 * and generated valid specs. Each try has its own {@link Random} seeded from a fixed base, so a
 * run is repeatable; a failure names its seed, and {@code -Dnuri.seed=N} replays just that try
 * ({@code -Dnuri.tries=K} runs K times as many tries). There is no shrinking: the generators keep
 * inputs small instead.
 */
class SpecDecoderPropertyTest {
    private static final long BASE_SEED = 0x6e757269L; // "nuri"
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Path BASE_DIR = Path.of("/srv/specs");

    // ----- (1) nothing but SpecException, ever -----

    @Test
    void arbitrary_text_never_makes_decode_throw_anything_but_a_spec_exception() {
        forAll(400, r -> decodeCheckingErrors(Gen.anyText(r), r.nextBoolean() ? BASE_DIR : null));
    }

    @Test
    void arbitrary_yaml_and_json_trees_never_make_decode_throw_anything_but_a_spec_exception() {
        forAll(300, r -> {
            StringBuilder text = new StringBuilder();
            int docs = 1 + r.nextInt(3);
            boolean json = r.nextInt(4) == 0;
            for (int i = 0; i < docs; i++) {
                JsonNode tree = r.nextBoolean() ? Gen.appShapedTree(r) : Gen.anyTree(r, 4);
                text.append(json ? Json.write(tree) + "\n" : (i > 0 ? "---\n" : "") + Json.writeYaml(tree));
            }
            decodeCheckingErrors(text.toString(), BASE_DIR);
        });
    }

    // ----- (2) mutated valid specs: a valid App or errors with real paths -----

    @Test
    void a_mutated_valid_spec_decodes_to_a_valid_app_or_fails_with_real_paths() {
        int[] outcomes = new int[2]; // decoded, rejected: both must happen, or the generator is off
        forAll(500, r -> {
            ObjectNode tree = Gen.validApp(r, "app");
            int mutations = 1 + r.nextInt(3);
            for (int i = 0; i < mutations; i++) {
                Gen.mutate(r, tree);
            }
            String text = r.nextInt(5) == 0 ? Json.write(tree) : Json.writeYaml(tree);
            try {
                List<App> apps = SpecDecoder.decode("mutated.yaml", text, BASE_DIR);
                assertThat(apps).hasSize(1);
                assertValid(apps.getFirst());
                outcomes[0]++;
            } catch (SpecException e) {
                outcomes[1]++;
                assertThat(e.errors()).isNotEmpty();
                for (SpecError error : e.errors()) {
                    assertThat(error.message()).isNotBlank();
                    assertRealPath(error, tree);
                }
            }
        });
        if (System.getProperty("nuri.seed") == null) {
            assertThat(outcomes[0]).as("decoded").isGreaterThan(40);
            assertThat(outcomes[1]).as("rejected").isGreaterThan(40);
        }
    }

    // ----- (3) round trip -----

    @Test
    void generated_valid_specs_decode_and_survive_a_yaml_and_json_round_trip() {
        forAll(200, r -> {
            int docs = 1 + r.nextInt(3);
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < docs; i++) {
                text.append(i > 0 ? "---\n" : "").append(Json.writeYaml(Gen.validApp(r, "app" + i)));
            }
            List<App> apps = decodeValid(text.toString());
            assertThat(apps).hasSize(docs);
            apps.forEach(SpecDecoderPropertyTest::assertValid);

            String yaml = apps.stream().map(Json::writeYaml).collect(Collectors.joining("---\n"));
            assertThat(decodeValid(yaml)).as("YAML round trip of\n%s", yaml).isEqualTo(apps);
            String json = apps.stream().map(Json::write).collect(Collectors.joining("\n"));
            assertThat(decodeValid(json)).as("JSON round trip of\n%s", json).isEqualTo(apps);
            for (App app : apps) {
                assertThat(Json.read(Json.write(app), App.class)).isEqualTo(app);
            }
        });
    }

    // ----- checks -----

    private static void decodeCheckingErrors(String text, Path baseDir) {
        try {
            List<App> apps = SpecDecoder.decode("random.yaml", text, baseDir);
            apps.forEach(SpecDecoderPropertyTest::assertValid);
        } catch (SpecException e) {
            assertThat(e.errors()).isNotEmpty().allSatisfy(error -> {
                assertThat(error.file()).isEqualTo("random.yaml");
                assertThat(error.message()).isNotBlank();
                assertThat(error.path()).isNotNull();
            });
        }
    }

    private static List<App> decodeValid(String text) {
        try {
            return SpecDecoder.decode("valid.yaml", text, BASE_DIR);
        } catch (SpecException e) {
            throw new AssertionError("a valid spec was rejected:\n" + e.getMessage() + "\n--- spec:\n" + text, e);
        }
    }

    /** What every decoded App must satisfy, whatever its input. */
    static void assertValid(App app) {
        assertThat(app.apiVersion()).isEqualTo(App.API_VERSION);
        assertThat(app.kind()).isEqualTo(App.KIND);
        assertThat(app.name()).matches("[a-z]([-a-z0-9]*[a-z0-9])?").hasSizeLessThanOrEqualTo(40);
        assertThat(app.namespace()).matches("[a-z]([-a-z0-9]*[a-z0-9])?").hasSizeLessThanOrEqualTo(40);
        var spec = app.spec();
        assertThat(spec.port()).isBetween(1, 65535);
        assertThat(spec.replicas()).isBetween(0, 1000);
        assertThat(spec.restartPolicy()).isNotNull();
        assertThat(spec.resources()).isNotNull();
        assertThat(spec.resources().cpuMillis()).isNotNegative();
        assertThat(spec.resources().memoryBytes()).isNotNegative();
        var run = spec.run();
        assertThat(run.jar() != null).isNotEqualTo(!run.command().isEmpty());
        if (run.jar() != null) {
            assertThat(Path.of(run.jar())).isAbsolute();
        } else {
            assertThat(run.javaOpts()).isEmpty();
        }
        if (run.workingDir() != null) {
            assertThat(Path.of(run.workingDir())).isAbsolute();
        }
        assertThat(spec.env().keySet()).allMatch(k -> k.matches("[A-Za-z_][A-Za-z0-9_]*")
                && !k.equals("PORT") && !k.startsWith("NURI_"));
        assertThat(spec.probes().readiness()).isNotNull();
        assertProbe(spec.probes().startup(), false);
        assertProbe(spec.probes().readiness(), true);
        assertProbe(spec.probes().liveness(), false);
        assertThat(spec.volumes()).extracting(VolumeSpec::name).doesNotHaveDuplicates();
        assertThat(spec.volumes()).extracting(VolumeSpec::envVar).doesNotHaveDuplicates()
                .noneMatch(spec.env()::containsKey);
        assertRoutes(spec.routes());
        assertTraffic(spec.traffic());
        assertRollout(spec.rollout());
    }

    private static void assertRoutes(List<Route> routes) {
        assertThat(routes).extracting(rt -> rt.host() + " " + rt.path()).doesNotHaveDuplicates();
        for (Route rt : routes) {
            assertThat(rt.host()).matches("\\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
                    .hasSizeLessThanOrEqualTo(253);
            assertThat(rt.path()).startsWith("/").doesNotContain("?", "#", "//", "/./", "/../").doesNotEndWith("/.")
                    .doesNotEndWith("/..").doesNotContainAnyWhitespaces();
            assertThat(rt.path().equals("/") || !rt.path().endsWith("/")).as(rt.path()).isTrue();
            if (rt.timeoutSeconds() != null) {
                assertThat(rt.timeoutSeconds()).isPositive().isLessThanOrEqualTo(3600);
            }
        }
    }

    private static void assertTraffic(Traffic t) {
        assertThat(t).isNotNull();
        assertThat(t.loadBalancer()).isNotNull();
        assertThat(t.warmupSeconds()).isBetween(0.0, 3600.0);
        assertThat(t.timeoutSeconds()).isPositive().isLessThanOrEqualTo(3600);
        if (t.affinity() != null) {
            var a = t.affinity();
            int kinds = (a.cookie() != null ? 1 : 0) + (a.gatewayCookie() ? 1 : 0) + (a.header() != null ? 1 : 0)
                    + (a.clientAddress() ? 1 : 0);
            assertThat(kinds).isEqualTo(1);
            for (String token : java.util.Arrays.asList(a.cookie(), a.header())) {
                if (token != null) {
                    assertThat(token).matches("[-!#$%&'*+.^_`|~0-9A-Za-z]+");
                }
            }
        }
        var r = t.retries();
        assertThat(r).isNotNull();
        assertThat(r.attempts()).isBetween(1, 10);
        assertThat(r.on()).doesNotHaveDuplicates().isSubsetOf(SpecDecoder.RETRY_CONDITIONS);
        assertThat(r.budgetPercent()).isBetween(0.0, 100.0);
        assertThat(r.minRetriesPerSecond()).isBetween(0, 1000);
    }

    private static void assertRollout(Rollout r) {
        assertThat(r).isNotNull();
        assertThat(IntOrPercent.problem(r.maxSurge())).as(r.maxSurge()).isNull();
        assertThat(IntOrPercent.problem(r.maxUnavailable())).as(r.maxUnavailable()).isNull();
        assertThat(IntOrPercent.isZero(r.maxSurge()) && IntOrPercent.isZero(r.maxUnavailable())).isFalse();
        for (int replicas : new int[] {0, 1, 3, 1000}) {
            assertThat(r.surge(replicas)).isNotNegative();
            assertThat(r.unavailable(replicas)).isNotNegative();
        }
        assertThat(r.minReadySeconds()).isBetween(0, 3600);
        assertThat(r.progressDeadlineSeconds()).isBetween(1, 86_400).isGreaterThan(r.minReadySeconds());
        assertThat(r.revisionHistoryLimit()).isBetween(0, 100);
        if (r.canary() != null) {
            assertThat(r.canary().weightPercent()).isBetween(1, 99);
            assertThat(r.canary().durationSeconds()).isBetween(1, 86_400);
            assertThat(r.canary().maxErrorRatePercent()).isBetween(0.0, 100.0);
            assertThat(r.canary().maxP95Millis()).isNotNegative();
        }
    }

    private static void assertProbe(Probe p, boolean readiness) {
        if (p == null) {
            return;
        }
        int actions = (p.http() != null ? 1 : 0) + (p.tcp() != null ? 1 : 0) + (p.exec() != null ? 1 : 0);
        assertThat(actions).isEqualTo(1);
        if (p.http() != null) {
            assertThat(p.http().path()).startsWith("/");
        }
        if (p.exec() != null) {
            assertThat(p.exec().command()).isNotEmpty();
        }
        assertThat(p.initialDelaySeconds()).isNotNegative();
        assertThat(p.periodSeconds()).isGreaterThanOrEqualTo(0.1);
        assertThat(p.timeoutSeconds()).isPositive();
        assertThat(p.failureThreshold()).isPositive();
        assertThat(p.successThreshold()).isPositive();
        if (!readiness) {
            assertThat(p.successThreshold()).isEqualTo(1);
        }
    }

    private static final Pattern SEGMENT =
            Pattern.compile("\\.?([A-Za-z_][A-Za-z0-9_-]*)|\\[(\\d+)]|\\[(\"(?:[^\"\\\\]|\\\\.)*\")]");

    /**
     * A path is real when it starts with a top-level field of the App (or an unknown field that is
     * in the document) and walks the tree: every segment that exists is followed; from the first
     * segment that does not exist on (a required field, a field of a missing section) only names
     * may follow, no list indexes.
     */
    private static void assertRealPath(SpecError error, ObjectNode tree) {
        String path = error.path();
        assertThat(path).as("path of %s", error).isNotEmpty().doesNotStartWith("[doc");
        Matcher m = SEGMENT.matcher(path);
        JsonNode node = tree;
        int at = 0;
        boolean first = true;
        while (at < path.length()) {
            assertThat(m.find(at) && m.start() == at).as("segment at %d of %s", at, error).isTrue();
            if (first) {
                String key = m.group(1) != null ? m.group(1) : m.group(3) != null ? Json.read(m.group(3), String.class) : null;
                assertThat(key).as("first segment of %s", error).isNotNull();
                assertThat(List.of("apiVersion", "kind", "metadata", "spec").contains(key)
                        || (tree.has(key) && error.message().startsWith("unknown field")))
                        .as("first segment of %s", error).isTrue();
                first = false;
            }
            if (node != null) {
                if (m.group(2) != null) {
                    node = node.isArray() ? node.get(Integer.parseInt(m.group(2))) : null;
                    assertThat(node).as("list index in %s", error).isNotNull();
                } else {
                    String key = m.group(1) != null ? m.group(1) : Json.read(m.group(3), String.class);
                    node = node.isObject() ? node.get(key) : null;
                }
            } else {
                assertThat(m.group(2)).as("index after a missing field in %s", error).isNull();
            }
            at = m.end();
        }
    }

    // ----- a tiny seeded property runner -----

    private static void forAll(int tries, Consumer<Random> property) {
        String only = System.getProperty("nuri.seed");
        if (only != null) {
            property.accept(new Random(Long.parseLong(only)));
            return;
        }
        int n = tries * Integer.getInteger("nuri.tries", 1);
        for (int i = 0; i < n; i++) {
            long seed = BASE_SEED + i;
            try {
                property.accept(new Random(seed));
            } catch (Throwable t) {
                throw new AssertionError("failed on try " + i + " (replay with -Dnuri.seed=" + seed + "): " + t.getMessage(), t);
            }
        }
    }

    // ----- generators -----

    static final class Gen {
        private static final List<String> FIELD_NAMES = List.of("apiVersion", "kind", "metadata", "spec", "name",
                "namespace", "labels", "run", "jar", "command", "args", "javaOpts", "workingDir", "env", "port",
                "replicas", "probes", "startup", "readiness", "liveness", "http", "tcp", "exec", "path",
                "initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold", "successThreshold",
                "restartPolicy", "resources", "cpu", "memory", "volumes", "routes", "host", "stripPrefix", "traffic",
                "loadBalancer", "warmupSeconds", "affinity", "cookie", "gatewayCookie", "header", "clientAddress",
                "retries", "attempts", "on", "budgetPercent", "minRetriesPerSecond", "rollout", "maxSurge",
                "maxUnavailable", "minReadySeconds", "progressDeadlineSeconds", "revisionHistoryLimit", "paused",
                "autoRollback", "canary", "weightPercent", "durationSeconds", "maxErrorRatePercent", "maxP95Millis");

        /** Strings YAML readers and writers trip over. */
        private static final List<String> TRICKY = List.of("", " ", "8080", "1.50", "-1", "+.5", "0x1F", "0o17", "010",
                "1_000", "1e3", "1:30", ".inf", "-.inf", ".nan", "yes", "No", "on", "OFF", "y", "n", "true", "False",
                "null", "Null", "~", "- a", "#x", "a #b", "a: b", "'q'", "\"dq\"", "{x}", "[y]", "*a", "&a", "!tag",
                "%p", "@at", "`bt`", "|", ">", "?", "---", "...", "a\tb", "multi\nline", "trail ", " lead",
                "\\back\\slash", "한글 값", "emoji 🚀", "\u00a0nbsp", "2019-01-01", "256Mi", "500m", "$PORT", "${HOME}");

        private static final String ALPHABET = "abcxyzAZ019 _-.:/#&*!|>?%@`'\"{}[],~\\\t\n\n\n  ";

        static String anyText(Random r) {
            StringBuilder sb = new StringBuilder();
            int parts = r.nextInt(12);
            for (int i = 0; i < parts; i++) {
                switch (r.nextInt(8)) {
                    case 0 -> sb.append(pick(r, List.of("---\n", "apiVersion: nuri.io/v1\n", "kind: App\n", "spec:\n  ",
                            "metadata:\n  name: ", "- ", "? ", "<<: *a\n", "%YAML 1.2\n", "!!binary ", "{", "[", "}", "]")));
                    case 1 -> sb.append(pick(r, TRICKY));
                    case 2 -> sb.append((char) r.nextInt(0x20)); // control characters
                    case 3 -> sb.append((char) (0x80 + r.nextInt(0xFF00))); // anything in the BMP, surrogates too
                    default -> {
                        for (int k = r.nextInt(10); k > 0; k--) {
                            sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
                        }
                    }
                }
            }
            return sb.toString();
        }

        static JsonNode anyTree(Random r, int depth) {
            int kind = r.nextInt(depth <= 0 ? 7 : 10);
            return switch (kind) {
                case 0 -> F.textNode(pick(r, TRICKY));
                case 1 -> F.textNode(anyText(r));
                case 2 -> F.numberNode(r.nextInt(2001) - 1000);
                case 3 -> F.numberNode(r.nextLong());
                case 4 -> F.numberNode(r.nextDouble() * 200 - 100);
                case 5 -> r.nextBoolean() ? F.booleanNode(r.nextBoolean()) : F.nullNode();
                case 6 -> F.numberNode(new BigInteger(100, r));
                case 7 -> {
                    ArrayNode a = F.arrayNode();
                    for (int i = r.nextInt(4); i > 0; i--) {
                        a.add(anyTree(r, depth - 1));
                    }
                    yield a;
                }
                default -> {
                    ObjectNode o = F.objectNode();
                    for (int i = r.nextInt(5); i > 0; i--) {
                        o.set(r.nextInt(4) == 0 ? pick(r, TRICKY) : pick(r, FIELD_NAMES), anyTree(r, depth - 1));
                    }
                    yield o;
                }
            };
        }

        /** A tree with the App's top-level fields, each with a random value: decoding goes deep. */
        static ObjectNode appShapedTree(Random r) {
            ObjectNode app = validApp(r, "shaped");
            List<ObjectNode> containers = new ArrayList<>();
            collectObjects(app, containers);
            for (ObjectNode o : containers) {
                List<String> names = new ArrayList<>();
                o.fieldNames().forEachRemaining(names::add);
                for (String name : names) {
                    if (r.nextInt(4) == 0) {
                        o.set(name, anyTree(r, 2));
                    }
                }
            }
            return app;
        }

        /** A valid App as a tree, with optional sections and tricky strings. */
        static ObjectNode validApp(Random r, String namePrefix) {
            ObjectNode app = F.objectNode();
            app.put("apiVersion", "nuri.io/v1");
            app.put("kind", "App");
            ObjectNode meta = app.putObject("metadata");
            meta.put("name", namePrefix + "-" + name(r, 20));
            if (r.nextBoolean()) {
                meta.put("namespace", name(r, 40));
            }
            if (r.nextBoolean()) {
                ObjectNode labels = meta.putObject("labels");
                for (int i = r.nextInt(3); i > 0; i--) {
                    String key = (r.nextBoolean() ? name(r, 10) + ".example.org/" : "") + name(r, 12);
                    labels.put(key, r.nextBoolean() ? "" : pick(r, List.of("v1", "web", "1.2", "true", "A_b.c-9")));
                }
            }
            ObjectNode spec = app.putObject("spec");
            ObjectNode run = spec.putObject("run");
            boolean jar = r.nextBoolean();
            if (jar) {
                run.put("jar", pick(r, List.of("app.jar", "target/portal-1.0.jar", "/opt/apps/portal.jar", "../lib/x.jar")));
                if (r.nextBoolean()) {
                    run.set("javaOpts", strings(r, List.of("-Xmx256m", "-XX:+UseZGC", "-Dspring.profiles.active=prod")));
                }
            } else {
                ArrayNode command = F.arrayNode().add(pick(r, List.of("./server", "/usr/bin/python3", "node")));
                command.addAll(strings(r, TRICKY));
                run.set("command", command);
            }
            if (r.nextBoolean()) {
                run.set("args", strings(r, TRICKY));
            }
            if (r.nextBoolean()) {
                run.put("workingDir", pick(r, List.of(".", "work", "/var/lib/portal", "a/../b")));
            }
            Set<String> envNames = new HashSet<>();
            if (r.nextBoolean()) {
                ObjectNode env = spec.putObject("env");
                for (int i = r.nextInt(4); i > 0; i--) {
                    String key = pick(r, List.of("JAVA_TOOL_OPTIONS", "GREETING", "_X", "db_url", "A1", "SPRING_PROFILES"));
                    envNames.add(key);
                    switch (r.nextInt(4)) {
                        case 0 -> env.put(key, r.nextInt(100));
                        case 1 -> env.put(key, r.nextBoolean());
                        default -> env.put(key, pick(r, TRICKY));
                    }
                }
            }
            if (r.nextBoolean()) {
                spec.put("port", 1 + r.nextInt(65535));
            }
            if (r.nextBoolean()) {
                spec.put("replicas", r.nextInt(1001));
            }
            if (r.nextBoolean()) {
                ObjectNode probes = spec.putObject("probes");
                for (String kind : List.of("startup", "readiness", "liveness")) {
                    if (r.nextBoolean()) {
                        probes.set(kind, probe(r, kind.equals("readiness")));
                    }
                }
            }
            if (r.nextBoolean()) {
                spec.put("restartPolicy", pick(r, List.of("Always", "OnFailure", "Never")));
            }
            if (r.nextBoolean()) {
                ObjectNode res = spec.putObject("resources");
                if (r.nextBoolean()) {
                    if (r.nextBoolean()) {
                        res.put("cpu", pick(r, List.of("500m", "1", "0.25", "2.5", "1000m")));
                    } else {
                        res.put("cpu", r.nextBoolean() ? 1 + r.nextInt(8) : 0.5);
                    }
                }
                if (r.nextBoolean()) {
                    res.put("memory", pick(r, List.of("256Mi", "1Gi", "500M", "1073741824", "1.5Gi")));
                }
            }
            if (r.nextBoolean()) {
                ArrayNode volumes = spec.putArray("volumes");
                Set<String> names = new HashSet<>();
                Set<String> vars = new HashSet<>(envNames);
                for (int i = r.nextInt(4); i > 0; i--) {
                    String name = name(r, 15);
                    ObjectNode v = F.objectNode().put("name", name);
                    String var = r.nextBoolean() ? "VOL_" + name.toUpperCase().replace('-', '_') : null;
                    if (var != null) {
                        v.put("env", var);
                    }
                    String effective = new VolumeSpec(name, var).envVar();
                    if (names.add(name) && vars.add(effective)) {
                        volumes.add(v);
                    }
                }
            }
            if (r.nextBoolean()) {
                spec.set("routes", routes(r));
            }
            if (r.nextBoolean()) {
                spec.set("traffic", traffic(r));
            }
            if (r.nextBoolean()) {
                spec.set("rollout", rollout(r));
            }
            return app;
        }

        /** Routes with distinct (host, normalized path); paths may end in '/'. */
        private static ArrayNode routes(Random r) {
            ArrayNode routes = F.arrayNode();
            Set<String> seen = new HashSet<>();
            for (int i = r.nextInt(4); i > 0; i--) {
                ObjectNode route = F.objectNode();
                String host = r.nextInt(3) == 0 ? null
                        : pick(r, List.of("*", "portal.example.org", "api.gov.kr", "localhost", "10.0.0.7", name(r, 20)
                                + "." + name(r, 10)));
                String path = r.nextInt(4) == 0 ? null
                        : pick(r, List.of("/", "/api", "/api/", "/api/v1", "/.well-known/acme", "/static/x%20y",
                                "/a-b_c~d/e:f@g", "/" + name(r, 12) + (r.nextBoolean() ? "/" : "")));
                String key = (host == null ? "*" : host) + " "
                        + (path == null ? "/" : path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path);
                if (!seen.add(key)) {
                    continue;
                }
                if (host != null) {
                    route.put("host", host);
                }
                if (path != null) {
                    route.put("path", path);
                }
                if (r.nextBoolean()) {
                    route.put("stripPrefix", r.nextBoolean());
                }
                if (r.nextBoolean()) {
                    if (r.nextBoolean()) {
                        route.put("timeoutSeconds", 1 + r.nextInt(3600));
                    } else {
                        route.put("timeoutSeconds", 0.25);
                    }
                }
                routes.add(route);
            }
            return routes;
        }

        private static ObjectNode traffic(Random r) {
            ObjectNode t = F.objectNode();
            if (r.nextBoolean()) {
                t.put("loadBalancer", pick(r, List.of("leastRequest", "roundRobin", "weighted")));
            }
            if (r.nextBoolean()) {
                t.put("warmupSeconds", r.nextBoolean() ? r.nextInt(3601) : 2.5);
            }
            if (r.nextBoolean()) {
                ObjectNode a = t.putObject("affinity");
                int kind = r.nextInt(4);
                switch (kind) {
                    case 0 -> a.put("cookie", pick(r, List.of("JSESSIONID", "session", "__Host-sid", "a.b!c")));
                    case 1 -> a.put("gatewayCookie", true);
                    case 2 -> a.put("header", pick(r, List.of("X-User-Id", "authorization", "x_tenant")));
                    default -> a.put("clientAddress", true);
                }
                if (r.nextInt(4) == 0) {
                    a.put(kind == 1 ? "clientAddress" : "gatewayCookie", false); // false is the same as absent
                }
            }
            if (r.nextBoolean()) {
                ObjectNode retries = t.putObject("retries");
                if (r.nextBoolean()) {
                    retries.put("attempts", 1 + r.nextInt(10));
                }
                if (r.nextBoolean()) {
                    ArrayNode on = retries.putArray("on");
                    List<String> all = new ArrayList<>(SpecDecoder.RETRY_CONDITIONS);
                    java.util.Collections.shuffle(all, r);
                    for (String c : all.subList(0, r.nextInt(all.size() + 1))) {
                        if (c.matches("\\d+") && r.nextBoolean()) {
                            on.add(Integer.parseInt(c));
                        } else {
                            on.add(c);
                        }
                    }
                }
                if (r.nextBoolean()) {
                    retries.put("budgetPercent", r.nextBoolean() ? r.nextInt(101) : 12.5);
                }
                if (r.nextBoolean()) {
                    retries.put("minRetriesPerSecond", r.nextInt(1001));
                }
            }
            if (r.nextBoolean()) {
                t.put("timeoutSeconds", r.nextBoolean() ? 1 + r.nextInt(3600) : 0.5);
            }
            return t;
        }

        private static ObjectNode rollout(Random r) {
            ObjectNode o = F.objectNode();
            boolean surgeZero = false;
            if (r.nextBoolean()) {
                surgeZero = intOrPercent(r, o, "maxSurge");
            }
            if (r.nextBoolean() || surgeZero) {
                while (intOrPercent(r, o, "maxUnavailable") && surgeZero) {
                    // both 0 is an error: draw again
                }
            }
            int minReady = 0;
            if (r.nextBoolean()) {
                minReady = r.nextInt(3601);
                o.put("minReadySeconds", minReady);
            }
            if (r.nextBoolean() || minReady >= 120) {
                o.put("progressDeadlineSeconds", minReady + 1 + r.nextInt(86_400 - minReady));
            }
            if (r.nextBoolean()) {
                o.put("revisionHistoryLimit", r.nextInt(101));
            }
            if (r.nextBoolean()) {
                o.put("paused", r.nextBoolean());
            }
            if (r.nextBoolean()) {
                o.put("autoRollback", r.nextBoolean());
            }
            if (r.nextBoolean()) {
                ObjectNode c = o.putObject("canary");
                c.put("weightPercent", 1 + r.nextInt(99));
                c.put("durationSeconds", 1 + r.nextInt(86_400));
                if (r.nextBoolean()) {
                    c.put("maxErrorRatePercent", r.nextBoolean() ? r.nextInt(101) : 0.1);
                }
                if (r.nextBoolean()) {
                    c.put("maxP95Millis", r.nextBoolean() ? r.nextInt(10_000) : 12.5);
                }
            }
            return o;
        }

        /** Sets an int or "N%" / "N" value; true when it is 0 whatever the replicas. */
        private static boolean intOrPercent(Random r, ObjectNode o, String field) {
            int n = r.nextInt(4) == 0 ? 0 : r.nextInt(101);
            switch (r.nextInt(3)) {
                case 0 -> o.put(field, n);
                case 1 -> o.put(field, n + "%");
                default -> o.put(field, String.valueOf(n));
            }
            return n == 0;
        }

        private static ObjectNode probe(Random r, boolean readiness) {
            ObjectNode p = F.objectNode();
            switch (r.nextInt(3)) {
                case 0 -> p.putObject("http").put("path", pick(r, List.of("/", "/health", "/actuator/health/readiness", "/a b?x=1")));
                case 1 -> {
                    if (r.nextBoolean()) {
                        p.putObject("tcp");
                    } else {
                        p.put("tcp", true);
                    }
                }
                default -> p.putObject("exec").set("command",
                        F.arrayNode().add("/bin/sh").add("-c").add(pick(r, TRICKY)));
            }
            if (r.nextBoolean()) {
                p.put("initialDelaySeconds", r.nextInt(120));
            }
            if (r.nextBoolean()) {
                p.put("periodSeconds", r.nextBoolean() ? 1 + r.nextInt(60) : 0.1 + r.nextInt(50) / 10.0);
            }
            if (r.nextBoolean()) {
                p.put("timeoutSeconds", r.nextBoolean() ? 1 + r.nextInt(10) : 0.5);
            }
            if (r.nextBoolean()) {
                p.put("failureThreshold", 1 + r.nextInt(10));
            }
            if (r.nextBoolean()) {
                p.put("successThreshold", readiness ? 1 + r.nextInt(5) : 1);
            }
            return p;
        }

        /** One random change: delete a field, replace a value, add an unknown key, negate a number. */
        static void mutate(Random r, ObjectNode root) {
            List<ObjectNode> objects = new ArrayList<>();
            collectObjects(root, objects);
            ObjectNode target = objects.get(r.nextInt(objects.size()));
            List<String> names = new ArrayList<>();
            target.fieldNames().forEachRemaining(names::add);
            if (names.isEmpty()) {
                target.set(pick(r, FIELD_NAMES), anyTree(r, 1));
                return;
            }
            String field = pick(r, names);
            switch (r.nextInt(5)) {
                case 0 -> target.remove(field);
                case 1 -> target.set(field, anyTree(r, 0)); // a random scalar
                case 2 -> target.set(field, anyTree(r, 2)); // maybe a list or a map
                case 3 -> target.set("x-" + name(r, 6), anyTree(r, 1)); // an unknown key
                default -> {
                    JsonNode v = target.get(field);
                    if (v.isNumber()) {
                        target.put(field, -Math.abs(v.doubleValue()) - (r.nextBoolean() ? 0 : 1));
                    } else if (v.isArray() && !v.isEmpty()) {
                        ((ArrayNode) v).set(r.nextInt(v.size()), anyTree(r, 1));
                    } else {
                        target.putNull(field);
                    }
                }
            }
        }

        private static void collectObjects(JsonNode node, List<ObjectNode> out) {
            if (node.isObject()) {
                out.add((ObjectNode) node);
            }
            if (node.isContainerNode()) {
                node.forEach(child -> collectObjects(child, out));
            }
        }

        private static ArrayNode strings(Random r, List<String> from) {
            ArrayNode a = F.arrayNode();
            for (int i = r.nextInt(4); i > 0; i--) {
                a.add(pick(r, from));
            }
            return a;
        }

        /** A DNS-1123 label of up to {@code max} characters starting with a letter. */
        static String name(Random r, int max) {
            String chars = "abcdefghijklmnopqrstuvwxyz0123456789-";
            int len = 1 + r.nextInt(max);
            StringBuilder sb = new StringBuilder().append((char) ('a' + r.nextInt(26)));
            for (int i = 1; i < len; i++) {
                char c = chars.charAt(r.nextInt(chars.length()));
                sb.append(i == len - 1 && c == '-' ? 'z' : c);
            }
            return sb.toString();
        }

        static <T> T pick(Random r, List<T> from) {
            return from.get(r.nextInt(from.size()));
        }
    }
}
