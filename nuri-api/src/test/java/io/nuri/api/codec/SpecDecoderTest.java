package io.nuri.api.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.nuri.api.spec.App;
import io.nuri.api.spec.AppSpec;
import io.nuri.api.spec.ObjectMeta;
import io.nuri.api.spec.Probe;
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
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractListAssert;
import org.assertj.core.api.ObjectAssert;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecDecoderTest {
    private static final Path BASE = Path.of("/srv/apps/portal");

    private static final String HEADER = """
            apiVersion: nuri.io/v1
            kind: App
            """;

    private static final String FULL = """
            # the portal of the agency
            apiVersion: nuri.io/v1
            kind: App
            metadata:
              name: portal
              namespace: citizens
              labels:
                tier: web
                app.kubernetes.io/part-of: e-gov
            spec:
              run:
                jar: target/portal.jar
                args: [--spring.profiles.active=prod]
                javaOpts: [-Xmx512m, -XX:+UseZGC]
                workingDir: ./work
              env:
                GREETING: hello
                MAX_USERS: 100
                FEATURE_X: true
              port: 9090
              replicas: 3
              probes:
                startup:
                  http: {path: /actuator/health/liveness}
                  periodSeconds: 0.5
                  failureThreshold: 60
                readiness:
                  http: {path: /actuator/health/readiness}
                  initialDelaySeconds: 2
                  periodSeconds: 2
                  timeoutSeconds: 0.5
                  successThreshold: 2
                liveness:
                  exec: {command: [/bin/sh, -c, "curl -fs localhost:$PORT/ping"]}
                  timeoutSeconds: 3
              restartPolicy: OnFailure
              resources: {cpu: 500m, memory: 512Mi}
              volumes:
                - name: uploads
                - name: cache
                  env: CACHE_DIR
            """;

    static App minimalApp(String name, RunSpec run) {
        return new App(App.API_VERSION, App.KIND, new ObjectMeta(name, "default", Map.of()),
                new AppSpec(run, Map.of(), 8080, 1, new Probes(null, Probe.defaultReadiness(), null),
                        RestartPolicy.Always, Resources.NONE, List.of()));
    }

    private static List<App> decode(String text) throws SpecException {
        return SpecDecoder.decode("portal.yaml", text, BASE);
    }

    private static List<SpecError> errorsOf(String text, Path baseDir) {
        try {
            SpecDecoder.decode("portal.yaml", text, baseDir);
        } catch (SpecException e) {
            return e.errors();
        }
        throw new AssertionError("expected a SpecException for:\n" + text);
    }

    private static List<SpecError> errorsOf(String text) {
        return errorsOf(text, BASE);
    }

    /** The errors as (path, message) pairs. */
    private static AbstractListAssert<?, List<? extends Tuple>, Tuple, ObjectAssert<Tuple>> assertErrors(String text) {
        return assertThat(errorsOf(text)).extracting(SpecError::path, SpecError::message);
    }

    private static String spec(String specBody) {
        return HEADER + "metadata: {name: portal}\nspec:\n" + specBody.indent(2);
    }

    // ----- valid specs -----

    @Test
    void a_full_spec_decodes_to_the_records_with_every_default_filled() throws Exception {
        List<App> apps = decode(FULL);

        Probe startup = new Probe(new Probe.Http("/actuator/health/liveness"), null, null, 0, 0.5, 1, 60, 1);
        Probe readiness = new Probe(new Probe.Http("/actuator/health/readiness"), null, null, 2, 2, 0.5, 3, 2);
        Probe liveness = new Probe(null, null, new Probe.Exec(List.of("/bin/sh", "-c", "curl -fs localhost:$PORT/ping")),
                0, 1, 3, 3, 1);
        App expected = new App("nuri.io/v1", "App",
                new ObjectMeta("portal", "citizens", Map.of("tier", "web", "app.kubernetes.io/part-of", "e-gov")),
                new AppSpec(
                        new RunSpec("/srv/apps/portal/target/portal.jar", null, List.of("--spring.profiles.active=prod"),
                                List.of("-Xmx512m", "-XX:+UseZGC"), "/srv/apps/portal/work"),
                        Map.of("GREETING", "hello", "MAX_USERS", "100", "FEATURE_X", "true"),
                        9090, 3,
                        new Probes(startup, readiness, liveness),
                        RestartPolicy.OnFailure,
                        new Resources("500m", "512Mi"),
                        List.of(new VolumeSpec("uploads", null), new VolumeSpec("cache", "CACHE_DIR"))));
        assertThat(apps).containsExactly(expected);
    }

    @Test
    void a_minimal_spec_gets_namespace_port_replicas_readiness_and_restart_defaults() throws Exception {
        List<App> apps = decode(HEADER + "metadata: {name: portal}\nspec: {run: {command: [./server]}}\n");

        assertThat(apps).containsExactly(minimalApp("portal", new RunSpec(null, List.of("./server"), null, null, null)));
        AppSpec spec = apps.getFirst().spec();
        assertThat(spec.probes().readiness().tcp()).isNotNull();
        assertThat(spec.probes().startup()).isNull();
        assertThat(spec.probes().liveness()).isNull();
    }

    @Test
    void probes_without_readiness_still_get_the_default_readiness_probe() throws Exception {
        App app = decode(spec("run: {jar: /a.jar}\nprobes: {liveness: {tcp: true}}")).getFirst();

        assertThat(app.spec().probes().readiness()).isEqualTo(Probe.defaultReadiness());
        assertThat(app.spec().probes().liveness().tcp()).isEqualTo(new Probe.Tcp());
    }

    @Test
    void explicit_null_is_treated_like_an_absent_field() throws Exception {
        App app = decode(spec("run: {jar: /a.jar, args: ~}\nport: null\nprobes:\nresources: ~\nvolumes:")).getFirst();

        assertThat(app.spec().port()).isEqualTo(AppSpec.DEFAULT_PORT);
        assertThat(app.spec().probes().readiness()).isEqualTo(Probe.defaultReadiness());
        assertThat(app.spec().resources()).isEqualTo(Resources.NONE);
        assertThat(app.spec().run().args()).isEmpty();
    }

    @Test
    void relative_paths_resolve_against_the_base_dir_and_are_normalized() throws Exception {
        App app = decode(spec("run: {jar: ../lib/./portal.jar, workingDir: .}")).getFirst();

        assertThat(app.spec().run().jar()).isEqualTo("/srv/apps/lib/portal.jar");
        assertThat(app.spec().run().workingDir()).isEqualTo("/srv/apps/portal");
    }

    @Test
    void without_a_base_dir_relative_paths_are_errors_and_absolute_ones_are_fine() throws Exception {
        assertThat(errorsOf(spec("run: {jar: target/portal.jar, workingDir: work}"), null))
                .extracting(SpecError::path, SpecError::message)
                .containsExactly(
                        tuple("spec.run.jar", "must be an absolute path when the spec is not read from a file, got \"target/portal.jar\""),
                        tuple("spec.run.workingDir", "must be an absolute path when the spec is not read from a file, got \"work\""));

        List<App> apps = SpecDecoder.decode("portal.yaml", spec("run: {jar: /opt/a/../portal.jar}"), null);
        assertThat(apps.getFirst().spec().run().jar()).isEqualTo("/opt/portal.jar");
    }

    @Test
    void documents_are_decoded_in_order_and_empty_ones_are_skipped() throws Exception {
        String text = """
                # apps of the portal
                ---
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: web}
                spec: {run: {jar: /web.jar}}
                ---
                # nothing here yet
                ---
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: api}
                spec: {run: {jar: /api.jar}}
                ---
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: web, namespace: staging}
                spec: {run: {jar: /web.jar}}
                """;

        assertThat(decode(text)).extracting(App::key).containsExactly("default/web", "default/api", "staging/web");
    }

    @Test
    void json_is_read_too_even_with_tabs() throws Exception {
        String json = "{\n\t\"apiVersion\": \"nuri.io/v1\", \"kind\": \"App\",\n\t\"metadata\": {\"name\": \"portal\"},\n"
                + "\t\"spec\": {\"run\": {\"command\": [\"./server\"]}, \"replicas\": 2}\n}\n";

        assertThat(decode(json)).extracting(a -> a.spec().replicas()).containsExactly(2);
    }

    @Test
    void scalars_in_env_and_labels_become_text_and_quantities_may_be_numbers() throws Exception {
        App app = decode(HEADER + """
                metadata: {name: portal, labels: {version: 1.2, canary: false}}
                spec:
                  run: {jar: /a.jar}
                  env: {A: 1, B: 2.50, C: yes, EMPTY: }
                  resources: {cpu: 2, memory: 1073741824}
                """).getFirst();

        assertThat(app.metadata().labels()).containsOnly(Map.entry("version", "1.2"), Map.entry("canary", "false"));
        assertThat(app.spec().env()).containsOnly(
                Map.entry("A", "1"), Map.entry("B", "2.5"), Map.entry("C", "true"), Map.entry("EMPTY", ""));
        assertThat(app.spec().resources()).isEqualTo(new Resources("2", "1073741824"));
        assertThat(app.spec().resources().cpuMillis()).isEqualTo(2000);
    }

    // ----- every error at once -----

    @Test
    void a_spec_with_five_mistakes_yields_exactly_those_five_errors() {
        String text = """
                apiVersion: nuri.io/v2
                kind: App
                metadata: {name: Portal}
                spec:
                  run: {jar: /portal.jar}
                  replicas: two
                  probes:
                    readiness: {tcp: {}, periodSeconds: -1}
                  restartPolicy: always
                  volumes: [{name: data}, {name: data}]
                """;

        assertErrors(text).containsExactly(
                tuple("apiVersion", "must be \"nuri.io/v1\", got \"nuri.io/v2\""),
                tuple("metadata.name", "must be lowercase letters, digits and '-', start with a letter and end with "
                        + "a letter or digit, got \"Portal\""),
                tuple("spec.replicas", "must be an integer, got \"two\""),
                tuple("spec.probes.readiness.periodSeconds", "must be > 0, got -1"),
                tuple("spec.restartPolicy", "must be one of Always, OnFailure, Never, got \"always\""),
                tuple("spec.volumes[1].name", "duplicate volume name \"data\" (also at spec.volumes[0])"));
    }

    @Test
    void errors_name_the_file_and_read_as_one_line_each() {
        SpecException e = org.junit.jupiter.api.Assertions.assertThrows(SpecException.class,
                () -> SpecDecoder.decode("portal.yaml", spec("run: {jar: /a.jar}\nport: 0"), BASE));

        assertThat(e.getMessage()).isEqualTo("portal.yaml: spec.port: must be between 1 and 65535, got 0");
        assertThat(e.errors()).singleElement().isEqualTo(
                new SpecError("portal.yaml", "spec.port", "must be between 1 and 65535, got 0"));
    }

    @Test
    void errors_of_every_document_are_reported_and_later_documents_are_prefixed() {
        String text = HEADER + "metadata: {name: a}\nspec: {run: {jar: /a.jar}, port: 0}\n---\n"
                + HEADER + "metadata: {name: b}\nspec: {run: {jar: /b.jar}, replicas: -1}\n---\n"
                + "kind: App\nmetadata: {name: c}\nspec: {run: {jar: /c.jar}}\n";

        assertErrors(text).containsExactly(
                tuple("spec.port", "must be between 1 and 65535, got 0"),
                tuple("[doc 2] spec.replicas", "must be between 0 and 1000, got -1"),
                tuple("[doc 3] apiVersion", "required"));
    }

    @Test
    void two_documents_with_the_same_namespace_and_name_are_an_error() {
        String app = HEADER + "metadata: {name: portal}\nspec: {run: {jar: /a.jar}}\n";
        String other = HEADER + "metadata: {name: portal, namespace: staging}\nspec: {run: {jar: /a.jar}}\n";

        assertErrors(app + "---\n" + other + "---\n" + app).containsExactly(
                tuple("[doc 3] metadata.name", "App \"default/portal\" is already defined in document 1"));
    }

    @Test
    void unknown_fields_are_errors_at_every_level_and_list_the_known_ones() {
        String text = """
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: portal, annotations: {a: b}}
                status: {}
                spec:
                  run: {jar: /a.jar, image: nginx}
                  foo: 1
                  probes:
                    readiness: {tcp: {port: 80}, perodSeconds: 2}
                  resources: {limits: {cpu: 1}}
                  volumes: [{name: data, path: /x}]
                """;

        assertErrors(text).containsExactlyInAnyOrder(
                tuple("status", "unknown field (known: apiVersion, kind, metadata, spec)"),
                tuple("metadata.annotations", "unknown field (known: name, namespace, labels)"),
                tuple("spec.foo", "unknown field (known: run, env, port, replicas, probes, restartPolicy, resources, volumes, routes, traffic, rollout, autoscale, apm)"),
                tuple("spec.run.image", "unknown field (known: jar, command, args, javaOpts, workingDir)"),
                tuple("spec.probes.readiness.perodSeconds", "unknown field (known: http, tcp, exec, initialDelaySeconds, "
                        + "periodSeconds, timeoutSeconds, failureThreshold, successThreshold)"),
                tuple("spec.probes.readiness.tcp.port", "unknown field (no fields are allowed here)"),
                tuple("spec.resources.limits", "unknown field (known: cpu, memory)"),
                tuple("spec.volumes[0].path", "unknown field (known: name, env)"));
    }

    @Test
    void wrong_types_name_the_expected_type() {
        assertErrors(HEADER + """
                metadata: {name: 42, labels: [a]}
                spec:
                  run: {jar: [a.jar], args: --verbose}
                  env: [A=1]
                  port: "8080"
                  probes: {readiness: {tcp: 1, failureThreshold: 2.5}}
                  resources: {cpu: true}
                  volumes: {name: data}
                """).containsExactly(
                tuple("metadata.name", "must be a string, got 42 (quote it: \"42\")"),
                tuple("metadata.labels", "must be a map, got a list"),
                tuple("spec.run.jar", "must be a string, got a list"),
                tuple("spec.run.args", "must be a list of strings, got \"--verbose\""),
                tuple("spec.env", "must be a map, got a list"),
                tuple("spec.port", "must be an integer, got \"8080\""),
                tuple("spec.probes.readiness.tcp", "must be {} or true, got 1"),
                tuple("spec.probes.readiness.failureThreshold", "must be an integer, got 2.5"),
                tuple("spec.resources.cpu", "must be a string or a number, got true"),
                tuple("spec.volumes", "must be a list, got a map"));
    }

    @Test
    void missing_required_fields_are_reported() {
        assertErrors("kind: App\n").containsExactly(
                tuple("apiVersion", "required"),
                tuple("metadata.name", "required"),
                tuple("spec.run", "required"));
    }

    @Test
    void a_document_that_is_not_a_map_is_an_error() {
        assertErrors("- apiVersion: nuri.io/v1\n").containsExactly(
                tuple("", "must be a map (an App document), got a list"));
    }

    @Test
    void an_empty_spec_is_an_error() {
        assertErrors("# nothing\n---\n").containsExactly(
                tuple("", "no App in the spec (it is empty or only has comments)"));
        assertThat(errorsOf("")).hasSize(1);
    }

    @Test
    void without_a_file_name_errors_name_the_request_body() {
        assertThatThrownBy(() -> SpecDecoder.decode(null, "kind: App", null))
                .isInstanceOf(SpecException.class)
                .hasMessageStartingWith("request body: apiVersion: required");
    }

    // ----- parse errors -----

    @Test
    void a_duplicate_key_is_an_error_with_its_path() {
        assertErrors(spec("run: {jar: /a.jar}\nenv:\n  A: 1\n  B: 2\n  A: 3")).containsExactly(
                tuple("spec.env.A", "duplicate key at line 9"));
    }

    @Test
    void a_duplicate_key_in_a_later_document_names_the_document() {
        String app = HEADER + "metadata: {name: a}\nspec: {run: {jar: /a.jar}}\n";

        assertErrors(app + "---\n" + app.replace("kind: App", "kind: App\nkind: App")).containsExactly(
                tuple("[doc 2] kind", "duplicate key at line 8"));
    }

    @Test
    void a_yaml_syntax_error_has_the_line_and_column() {
        assertErrors(HEADER + "metadata: {name: portal\nspec: {}\n").containsExactly(
                tuple("", "invalid YAML at line 4, column 5: expected ',' or '}', but got : "
                        + "(while parsing a flow mapping at line 3, column 11)"));
        assertErrors(HEADER + "metadata:\n  name: a\n name: b\n").singleElement()
                .satisfies(t -> assertThat(t.toString()).contains("invalid YAML at line 5, column 2"));
    }

    @Test
    void a_json_syntax_error_has_the_line_and_column() {
        assertErrors("{\"apiVersion\": \"nuri.io/v1\",\n \"kind\": \"App\" \"spec\": {}}").containsExactly(
                tuple("", "invalid JSON at line 2, column 16: Unexpected character ('\"' (code 34)): "
                        + "was expecting comma to separate Object entries"));
    }

    @Test
    void yaml_aliases_are_rejected_rather_than_read_as_their_name() {
        assertErrors(HEADER + "metadata: {name: &n portal}\nspec: {run: {jar: /a.jar}, env: {NAME: *n}}\n")
                .singleElement()
                .satisfies(t -> assertThat(t.toString()).contains("YAML aliases (*n) are not supported"));
    }

    @Test
    void an_unquoted_star_is_a_yaml_alias_and_the_error_says_to_quote_it() {
        assertErrors(spec("run: {jar: /a.jar}\nroutes:\n  - host: *\n    path: /")).containsExactly(
                tuple("", "invalid YAML at line 7, column 14: unexpected character found \\n(10) "
                        + "(while scanning an alias at line 7, column 13); a value starting with '*' must be quoted, "
                        + "e.g. host: \"*\""));
    }

    // ----- sections -----

    @Test
    void names_and_namespaces_are_dns_labels_of_at_most_40_characters() {
        assertErrors(HEADER + "metadata: {name: 1portal, namespace: my_ns}\nspec: {run: {jar: /a.jar}}\n")
                .extracting(t -> t.toList().getFirst())
                .containsExactly("metadata.name", "metadata.namespace");
        assertErrors(HEADER + "metadata: {name: " + "a".repeat(41) + "}\nspec: {run: {jar: /a.jar}}\n")
                .containsExactly(tuple("metadata.name", "must be at most 40 characters, got 41"));
    }

    @Test
    void labels_follow_kubernetes_syntax() {
        assertErrors(HEADER + """
                metadata:
                  name: portal
                  labels: {ok.example.com/name: v1, "Bad.Example/x": a, "-x": a, y: "a b", z: ""}
                spec: {run: {jar: /a.jar}}
                """).containsExactly(
                tuple("metadata.labels[\"Bad.Example/x\"]", "invalid label key: the prefix before '/' must be a DNS "
                        + "subdomain (lowercase letters, digits, '-' and '.')"),
                tuple("metadata.labels[\"-x\"]", "invalid label key: the name must be at most 63 letters, digits, "
                        + "'-', '_' or '.', starting and ending with a letter or digit"),
                tuple("metadata.labels.y", "invalid label value: must be at most 63 letters, digits, '-', '_' or '.', "
                        + "starting and ending with a letter or digit, got \"a b\""));
    }

    @Test
    void run_needs_exactly_one_of_jar_and_command_and_command_must_be_a_list() {
        assertErrors(spec("run: {jar: /a.jar, command: [./x]}")).containsExactly(
                tuple("spec.run", "must have only one of jar, command, got both"));
        assertErrors(spec("run: {command: ./server --port 8080}")).containsExactly(
                tuple("spec.run.command", "must be a list of strings (program and arguments), "
                        + "e.g. [\"./server\", \"--port\", \"8080\"], got a string"));
        assertErrors(spec("run: {command: []}")).containsExactly(tuple("spec.run.command", "must not be empty"));
        assertErrors(spec("run: {command: [./x, 8080]}")).containsExactly(
                tuple("spec.run.command[1]", "must be a string, got 8080 (quote it: \"8080\")"));
        assertErrors(spec("run: {command: [./x], javaOpts: [-Xmx1g]}")).containsExactly(
                tuple("spec.run.javaOpts", "only allowed with jar"));
    }

    @Test
    void env_names_must_be_valid_and_port_and_nuri_names_are_reserved() {
        assertErrors(spec("run: {jar: /a.jar}\nenv: {PORT: 80, NURI_APP: x, 2FA: on, my-var: x, _OK: x, Ok1: x}"))
                .containsExactly(
                        tuple("spec.env.PORT", "PORT is reserved: the platform sets it to the port the instance must listen on"),
                        tuple("spec.env.NURI_APP", "names starting with NURI_ are reserved for the platform"),
                        tuple("spec.env[\"2FA\"]", "invalid environment variable name (letters, digits and '_', not "
                                + "starting with a digit)"),
                        tuple("spec.env.my-var", "invalid environment variable name (letters, digits and '_', not "
                                + "starting with a digit)"));
    }

    @Test
    void probes_need_exactly_one_action_and_sane_timings() {
        assertErrors(spec("""
                run: {jar: /a.jar}
                probes:
                  startup: {tcp: {}, successThreshold: 2, periodSeconds: 0.05}
                  readiness: {http: {path: health}, exec: {command: [true]}, timeoutSeconds: 0}
                  liveness: {exec: {}, failureThreshold: 0, initialDelaySeconds: -5}
                """)).containsExactly(
                tuple("spec.probes.startup.periodSeconds", "must be at least 0.1, got 0.05"),
                tuple("spec.probes.startup.successThreshold", "must be 1 for startup probes, got 2"),
                tuple("spec.probes.readiness", "must have only one of http, tcp, exec, got http and exec"),
                tuple("spec.probes.readiness.http.path", "must start with '/', got \"health\""),
                tuple("spec.probes.readiness.exec.command[0]", "must be a string, got true (quote it: \"true\")"),
                tuple("spec.probes.readiness.timeoutSeconds", "must be > 0, got 0"),
                tuple("spec.probes.liveness.exec.command", "required"),
                tuple("spec.probes.liveness.initialDelaySeconds", "must be between 0 and 86400, got -5"),
                tuple("spec.probes.liveness.failureThreshold", "must be >= 1, got 0"));
    }

    @Test
    void an_http_probe_without_a_path_checks_the_root() throws Exception {
        App app = decode(spec("run: {jar: /a.jar}\nprobes: {readiness: {http: {}}}")).getFirst();

        assertThat(app.spec().probes().readiness().http()).isEqualTo(new Probe.Http("/"));
    }

    @Test
    void resources_use_the_quantity_rules() {
        assertErrors(spec("run: {jar: /a.jar}\nresources: {cpu: 0, memory: 2Pi}")).containsExactly(
                tuple("spec.resources.cpu", "must be > 0 and at most 1000000 cores, got \"0\""),
                tuple("spec.resources.memory", "must be a size like \"256Mi\", \"1Gi\" or \"500M\", got \"2Pi\""));
    }

    @Test
    void replicas_and_port_have_ranges() {
        assertErrors(spec("run: {jar: /a.jar}\nreplicas: 1001\nport: 70000")).containsExactly(
                tuple("spec.port", "must be between 1 and 65535, got 70000"),
                tuple("spec.replicas", "must be between 0 and 1000, got 1001"));
    }

    @Test
    void volume_names_and_env_names_are_unique_and_checked() {
        assertErrors(spec("""
                run: {jar: /a.jar}
                env: {DATA_DIR: /x}
                volumes:
                  - {name: data, env: DATA_DIR}
                  - {name: logs}
                  - {name: cache, env: NURI_VOLUME_LOGS}
                  - {name: tmp, env: PORT}
                  - {name: Bad_Name}
                  - {env: X}
                  - {name: logs, env: OTHER}
                  - {name: old, env: SAME}
                  - {name: new, env: SAME}
                """)).containsExactly(
                tuple("spec.volumes[0].env", "\"DATA_DIR\" is also set in spec.env"),
                tuple("spec.volumes[2].env", "names starting with NURI_ are reserved for the platform"),
                tuple("spec.volumes[3].env", "PORT is reserved: the platform sets it to the port the instance must listen on"),
                tuple("spec.volumes[4].name", "must be lowercase letters, digits and '-', start with a letter and end "
                        + "with a letter or digit, got \"Bad_Name\""),
                tuple("spec.volumes[5].name", "required"),
                tuple("spec.volumes[6].name", "duplicate volume name \"logs\" (also at spec.volumes[1])"),
                tuple("spec.volumes[8].env", "duplicate volume env \"SAME\" (also at spec.volumes[7])"));
    }

    @Test
    void duplicate_volumes_in_a_later_document_name_both_indexes_without_repeating_the_document() {
        String first = HEADER + "metadata: {name: a}\nspec: {run: {jar: /a.jar}}\n";
        String second = HEADER + "metadata: {name: b}\nspec: {run: {jar: /a.jar}, volumes: [{name: d}, {name: d}]}\n";

        assertErrors(first + "---\n" + second).containsExactly(
                tuple("[doc 2] spec.volumes[1].name", "duplicate volume name \"d\" (also at spec.volumes[0])"));
    }

    // ----- routes, traffic, rollout -----

    private static final String NEW_SECTIONS = """
            run: {jar: /a.jar}
            replicas: 4
            routes:
              - {host: portal.example.org, path: /api/, stripPrefix: true, timeoutSeconds: 120}
              - host: portal.example.org
              - {path: /static}
            traffic:
              loadBalancer: roundRobin
              warmupSeconds: 0
              affinity: {cookie: JSESSIONID}
              retries: {attempts: 2, on: [502, "503", 5xx, reset, timeout], budgetPercent: 10.5, minRetriesPerSecond: 0}
              timeoutSeconds: 2.5
            rollout:
              maxSurge: 1
              maxUnavailable: 50%
              minReadySeconds: 5
              progressDeadlineSeconds: 300
              revisionHistoryLimit: 3
              paused: true
              autoRollback: false
              canary: {weightPercent: 10, durationSeconds: 600, maxErrorRatePercent: 0.5, maxP95Millis: 250}
            """;

    @Test
    void routes_traffic_and_rollout_decode_with_their_defaults_filled() throws Exception {
        AppSpec spec = decode(spec(NEW_SECTIONS)).getFirst().spec();

        assertThat(spec.routes()).containsExactly(
                new Route("portal.example.org", "/api", true, 120.0),
                new Route("portal.example.org", "/", false, null),
                new Route("*", "/static", false, null));
        assertThat(spec.traffic()).isEqualTo(new Traffic(Traffic.LoadBalancer.roundRobin, 0,
                new Traffic.Affinity("JSESSIONID", false, null, false),
                new Traffic.Retries(2, List.of("502", "503", "5xx", "reset", "timeout"), 10.5, 0), 2.5));
        assertThat(spec.rollout()).isEqualTo(new Rollout("1", "50%", 5, 300, 3, true, false,
                new Rollout.Canary(10, 600, 0.5, 250)));
        assertThat(spec.rollout().surge(spec.replicas())).isEqualTo(1);
        assertThat(spec.rollout().unavailable(spec.replicas())).isEqualTo(2);
    }

    @Test
    void without_the_new_sections_the_defaults_of_the_records_apply() throws Exception {
        AppSpec spec = decode(spec("run: {jar: /a.jar}\nroutes: ~\ntraffic:\nrollout: ~")).getFirst().spec();

        assertThat(spec.routes()).isEmpty();
        assertThat(spec.traffic()).isEqualTo(Traffic.DEFAULTS);
        assertThat(spec.rollout()).isEqualTo(Rollout.DEFAULTS);
    }

    @Test
    void a_partial_traffic_or_rollout_section_gets_the_other_defaults() throws Exception {
        AppSpec spec = decode(spec("""
                run: {jar: /a.jar}
                routes: [{}]
                traffic: {affinity: {gatewayCookie: true}, retries: {on: []}}
                rollout: {maxSurge: "007", canary: {weightPercent: 5, durationSeconds: 60}}
                """)).getFirst().spec();

        assertThat(spec.routes()).containsExactly(new Route("*", "/", false, null));
        assertThat(spec.traffic()).isEqualTo(new Traffic(Traffic.LoadBalancer.leastRequest, 10,
                new Traffic.Affinity(null, true, null, false), new Traffic.Retries(3, List.of(), 20, 3), 30));
        assertThat(spec.rollout()).isEqualTo(new Rollout("7", "0", 0, 120, 10, false, true,
                new Rollout.Canary(5, 60, 1, 0)));
        assertThat(decode(spec("run: {jar: /a.jar}\ntraffic: {retries: {attempts: 5}}")).getFirst().spec()
                .traffic().retries()).isEqualTo(new Traffic.Retries(5, List.of("502", "503"), 20, 3));
    }

    @Test
    void route_hosts_are_dns_names_or_any() throws Exception {
        assertErrors(spec("""
                run: {jar: /a.jar}
                routes:
                  - {host: "*.example.org"}
                  - {host: "https://portal.example.org"}
                  - {host: "portal.example.org:8443"}
                  - {host: Portal.Example.org}
                  - {host: portal_x.example.org}
                  - {host: -portal.example.org}
                  - {host: portal.example.org.}
                  - {host: ""}
                  - {host: 8080}
                  - {host: "example.org/api"}
                """)).containsExactly(
                tuple("spec.routes[0].host", "wildcard hosts are not supported: use a full host name, or \"*\" for any host, got \"*.example.org\""),
                tuple("spec.routes[1].host", "must be a host name without a scheme, got \"https://portal.example.org\""),
                tuple("spec.routes[2].host", "must be a host name without a port, got \"portal.example.org:8443\""),
                tuple("spec.routes[3].host", "must be lowercase, got \"Portal.Example.org\""),
                tuple("spec.routes[4].host", DNS_RULE + ", got \"portal_x.example.org\""),
                tuple("spec.routes[5].host", DNS_RULE + ", got \"-portal.example.org\""),
                tuple("spec.routes[6].host", DNS_RULE + ", got \"portal.example.org.\""),
                tuple("spec.routes[7].host", DNS_RULE + ", got \"\""),
                tuple("spec.routes[8].host", "must be a string, got 8080 (quote it: \"8080\")"),
                tuple("spec.routes[9].host", "must be a host name without a path (the path goes in path), got \"example.org/api\""));
        assertErrors(spec("run: {jar: /a.jar}\nroutes: [{host: " + "a".repeat(64) + ".org}, {host: "
                + "a.".repeat(127) + "ab}]")).containsExactly(
                tuple("spec.routes[0].host", DNS_RULE + ", got \"" + "a".repeat(60) + "...\""),
                tuple("spec.routes[1].host", "must be at most 253 characters, got \"" + "a.".repeat(30) + "...\""));
        assertThat(decode(spec("run: {jar: /a.jar}\nroutes: [{host: 10.0.0.1}, {host: localhost}, {host: '*'}]"))
                .getFirst().spec().routes()).extracting(Route::host).containsExactly("10.0.0.1", "localhost", "*");
    }

    private static final String DNS_RULE = "must be a DNS name (labels of lowercase letters, digits and '-', separated "
            + "by '.', each at most 63 characters, starting and ending with a letter or digit) or \"*\" for any host";

    @Test
    void route_paths_are_clean_prefixes_and_lose_their_trailing_slash() throws Exception {
        assertErrors(spec("""
                run: {jar: /a.jar}
                routes:
                  - {path: api}
                  - {path: "/api?x=1"}
                  - {path: "/api#top"}
                  - {path: /api//v1}
                  - {path: /api/../admin}
                  - {path: /api/.}
                  - {path: /a b}
                  - {path: /100%}
                  - {path: /x, stripPrefix: yes please, timeoutSeconds: 0}
                  - {path: /y, timeoutSeconds: 3601}
                """)).containsExactly(
                tuple("spec.routes[0].path", "must start with '/', got \"api\""),
                tuple("spec.routes[1].path", "must not contain a query ('?'), got \"/api?x=1\""),
                tuple("spec.routes[2].path", "must not contain a fragment ('#'), got \"/api#top\""),
                tuple("spec.routes[3].path", "must not contain empty segments ('//'), got \"/api//v1\""),
                tuple("spec.routes[4].path", "must not contain '.' or '..' segments, got \"/api/../admin\""),
                tuple("spec.routes[5].path", "must not contain '.' or '..' segments, got \"/api/.\""),
                tuple("spec.routes[6].path", PATH_CHARS + ", got \"/a b\""),
                tuple("spec.routes[7].path", PATH_CHARS + ", got \"/100%\""),
                tuple("spec.routes[8].stripPrefix", "must be true or false, got \"yes please\""),
                tuple("spec.routes[8].timeoutSeconds", "must be > 0, got 0"),
                tuple("spec.routes[9].timeoutSeconds", "must be at most 3600, got 3601"));
        assertThat(decode(spec("run: {jar: /a.jar}\nroutes: [{path: /}, {path: /a/b/}, {path: /.well-known/x%20y}]"))
                .getFirst().spec().routes()).extracting(Route::path).containsExactly("/", "/a/b", "/.well-known/x%20y");
    }

    private static final String PATH_CHARS =
            "may only contain letters, digits, '/', the characters -._~!$&'()*+,;=:@ and %XX escapes";

    @Test
    void two_routes_with_the_same_host_and_path_are_an_error() {
        assertErrors(spec("""
                run: {jar: /a.jar}
                routes:
                  - {path: /api}
                  - {host: a.example.org, path: /api}
                  - {host: "*", path: /api/, stripPrefix: true}
                  - {}
                  - {path: /}
                """)).containsExactly(
                tuple("spec.routes[2]", "duplicate route: host \"*\" and path \"/api\" are also at spec.routes[0]"),
                tuple("spec.routes[4]", "duplicate route: host \"*\" and path \"/\" are also at spec.routes[3]"));
    }

    @Test
    void traffic_fields_have_ranges_and_affinity_has_exactly_one_kind() {
        assertErrors(spec("""
                run: {jar: /a.jar}
                traffic:
                  loadBalancer: random
                  warmupSeconds: -1
                  timeoutSeconds: 0
                  affinity: {cookie: "JSESSION ID", header: "X-User:", gatewayCookie: "true"}
                """)).containsExactly(
                tuple("spec.traffic.loadBalancer", "must be one of leastRequest, roundRobin, weighted, got \"random\""),
                tuple("spec.traffic.warmupSeconds", "must be between 0 and 3600, got -1"),
                tuple("spec.traffic.affinity.cookie", "must be a valid cookie name (letters, digits and "
                        + "!#$%&'*+-.^_`|~), got \"JSESSION ID\""),
                tuple("spec.traffic.affinity.gatewayCookie", "must be true or false, got \"true\""),
                tuple("spec.traffic.affinity.header", "must be a valid header name (letters, digits and "
                        + "!#$%&'*+-.^_`|~), got \"X-User:\""),
                tuple("spec.traffic.affinity", "must have only one of cookie, gatewayCookie, header, clientAddress, "
                        + "got cookie and header"),
                tuple("spec.traffic.timeoutSeconds", "must be > 0, got 0"));
        assertErrors(spec("run: {jar: /a.jar}\ntraffic: {affinity: {gatewayCookie: false}, warmupSeconds: 3600.5}"))
                .containsExactly(
                        tuple("spec.traffic.warmupSeconds", "must be between 0 and 3600, got 3600.5"),
                        tuple("spec.traffic.affinity", "must have exactly one of cookie, gatewayCookie: true, header, "
                                + "clientAddress: true"));
        assertErrors(spec("run: {jar: /a.jar}\ntraffic: {affinity: {gatewayCookie: true, clientAddress: true}}"))
                .containsExactly(tuple("spec.traffic.affinity", "must have only one of cookie, gatewayCookie, header, "
                        + "clientAddress, got gatewayCookie and clientAddress"));
    }

    @Test
    void retries_have_ranges_and_known_conditions() {
        assertErrors(spec("""
                run: {jar: /a.jar}
                traffic:
                  retries:
                    attempts: 11
                    on: [502, 500, "5XX", 502, 503.0, [x]]
                    budgetPercent: 101
                    minRetriesPerSecond: -1
                """)).containsExactly(
                tuple("spec.traffic.retries.attempts", "must be between 1 and 10, got 11"),
                tuple("spec.traffic.retries.on[1]", "must be one of 502, 503, 504, 5xx, reset, timeout, got 500"),
                tuple("spec.traffic.retries.on[2]", "must be one of 502, 503, 504, 5xx, reset, timeout, got \"5XX\""),
                tuple("spec.traffic.retries.on[3]", "duplicate \"502\""),
                tuple("spec.traffic.retries.on[4]", "must be one of 502, 503, 504, 5xx, reset, timeout, got 503.0"),
                tuple("spec.traffic.retries.on[5]", "must be one of 502, 503, 504, 5xx, reset, timeout, got a list"),
                tuple("spec.traffic.retries.budgetPercent", "must be between 0 and 100, got 101"),
                tuple("spec.traffic.retries.minRetriesPerSecond", "must be between 0 and 1000, got -1"));
        assertErrors(spec("run: {jar: /a.jar}\ntraffic: {retries: {attempts: 0, on: 502}}")).containsExactly(
                tuple("spec.traffic.retries.attempts", "must be between 1 and 10, got 0"),
                tuple("spec.traffic.retries.on", "must be a list, got 502"));
    }

    @Test
    void max_surge_and_max_unavailable_are_integers_or_percentages() throws Exception {
        assertErrors(spec("""
                run: {jar: /a.jar}
                rollout: {maxSurge: 101%, maxUnavailable: -1}
                """)).containsExactly(
                tuple("spec.rollout.maxSurge", "must be at most 100%, got \"101%\""),
                tuple("spec.rollout.maxUnavailable", "must be >= 0, got -1"));
        assertErrors(spec("run: {jar: /a.jar}\nrollout: {maxSurge: 2.5, maxUnavailable: \" 25%\"}")).containsExactly(
                tuple("spec.rollout.maxSurge", "must be an integer or a percentage like \"25%\", got 2.5"),
                tuple("spec.rollout.maxUnavailable", "must be an integer or a percentage like \"25%\", got \" 25%\""));
        assertErrors(spec("run: {jar: /a.jar}\nrollout: {maxSurge: \"-5%\", maxUnavailable: 99999999999}")).containsExactly(
                tuple("spec.rollout.maxSurge", "must be >= 0, got \"-5%\""),
                tuple("spec.rollout.maxUnavailable", "must be at most 2147483647, got 99999999999"));
        Rollout r = decode(spec("run: {jar: /a.jar}\nrollout: {maxSurge: \"3\", maxUnavailable: 0%}")).getFirst().spec().rollout();
        assertThat(r.maxSurge()).isEqualTo("3");
        assertThat(r.maxUnavailable()).isEqualTo("0%");
        assertThat(decode(spec("run: {jar: /a.jar}\nrollout: {maxSurge: 0, maxUnavailable: 1}")).getFirst().spec()
                .rollout().maxSurge()).isEqualTo("0");
    }

    @Test
    void max_surge_and_max_unavailable_cannot_both_be_zero() {
        for (String rollout : List.of("{maxSurge: 0}", "{maxSurge: \"0\", maxUnavailable: 0}",
                "{maxSurge: 0%, maxUnavailable: \"00\"}", "{maxUnavailable: 0, maxSurge: 0%}")) {
            assertErrors(spec("run: {jar: /a.jar}\nrollout: " + rollout)).as(rollout).containsExactly(
                    tuple("spec.rollout", "maxSurge and maxUnavailable cannot both be 0"));
        }
    }

    @Test
    void rollout_timings_history_flags_and_canary_are_checked() {
        assertErrors(spec("""
                run: {jar: /a.jar}
                rollout:
                  minReadySeconds: 3601
                  progressDeadlineSeconds: 0
                  revisionHistoryLimit: 101
                  paused: 1
                  autoRollback: "no"
                  canary: {weightPercent: 100, durationSeconds: 0, maxErrorRatePercent: -0.5, maxP95Millis: -1}
                """)).containsExactly(
                tuple("spec.rollout.minReadySeconds", "must be between 0 and 3600, got 3601"),
                tuple("spec.rollout.progressDeadlineSeconds", "must be between 1 and 86400, got 0"),
                tuple("spec.rollout.revisionHistoryLimit", "must be between 0 and 100, got 101"),
                tuple("spec.rollout.paused", "must be true or false, got 1"),
                tuple("spec.rollout.autoRollback", "must be true or false, got \"no\""),
                tuple("spec.rollout.canary.weightPercent", "must be between 1 and 99, got 100"),
                tuple("spec.rollout.canary.durationSeconds", "must be between 1 and 86400, got 0"),
                tuple("spec.rollout.canary.maxErrorRatePercent", "must be between 0 and 100, got -0.5"),
                tuple("spec.rollout.canary.maxP95Millis", "must be >= 0, got -1"));
        assertErrors(spec("run: {jar: /a.jar}\nrollout: {minReadySeconds: 60, progressDeadlineSeconds: 60, canary: {}}"))
                .containsExactly(
                        tuple("spec.rollout.progressDeadlineSeconds", "must be > minReadySeconds (60), got 60"),
                        tuple("spec.rollout.canary.weightPercent", "required"),
                        tuple("spec.rollout.canary.durationSeconds", "required"));
        assertErrors(spec("run: {jar: /a.jar}\nrollout: {minReadySeconds: 600}")).containsExactly(
                tuple("spec.rollout.progressDeadlineSeconds", "must be > minReadySeconds (600), got 120 (the default)"));
    }

    @Test
    void unknown_fields_of_the_new_sections_are_reported() {
        assertErrors(spec("""
                run: {jar: /a.jar}
                routes: [{prefix: /api}]
                traffic: {lb: roundRobin, affinity: {ip: true, clientAddress: true}, retries: {max: 2}}
                rollout: {strategy: Recreate, canary: {weight: 10, weightPercent: 10, durationSeconds: 60}}
                """)).containsExactly(
                tuple("spec.routes[0].prefix", "unknown field (known: host, path, stripPrefix, timeoutSeconds)"),
                tuple("spec.traffic.lb", "unknown field (known: loadBalancer, warmupSeconds, affinity, retries, timeoutSeconds)"),
                tuple("spec.traffic.affinity.ip", "unknown field (known: cookie, gatewayCookie, header, clientAddress)"),
                tuple("spec.traffic.retries.max", "unknown field (known: attempts, on, budgetPercent, minRetriesPerSecond)"),
                tuple("spec.rollout.strategy", "unknown field (known: maxSurge, maxUnavailable, minReadySeconds, "
                        + "progressDeadlineSeconds, revisionHistoryLimit, paused, autoRollback, canary)"),
                tuple("spec.rollout.canary.weight", "unknown field (known: weightPercent, durationSeconds, "
                        + "maxErrorRatePercent, maxP95Millis)"));
    }

    @Test
    void wrong_types_in_the_new_sections_name_the_expected_type() {
        assertErrors(spec("run: {jar: /a.jar}\nroutes: {path: /}\ntraffic: [roundRobin]\nrollout: fast")).containsExactly(
                tuple("spec.routes", "must be a list, got a map"),
                tuple("spec.traffic", "must be a map, got a list"),
                tuple("spec.rollout", "must be a map, got \"fast\""));
        assertErrors(spec("run: {jar: /a.jar}\nroutes: [/api]\ntraffic: {affinity: cookie, retries: 3}\nrollout: {canary: true}"))
                .containsExactly(
                        tuple("spec.routes[0]", "must be a map, got \"/api\""),
                        tuple("spec.traffic.affinity", "must be a map, got \"cookie\""),
                        tuple("spec.traffic.retries", "must be a map, got 3"),
                        tuple("spec.rollout.canary", "must be a map, got true"));
    }

    @Test
    void the_new_sections_survive_a_yaml_and_json_round_trip() throws Exception {
        App app = decode(spec(NEW_SECTIONS)).getFirst();

        assertThat(decode(Json.writeYaml(app))).containsExactly(app);
        assertThat(decode(Json.write(app))).containsExactly(app);
        assertThat(Json.read(Json.write(app), App.class)).isEqualTo(app);
        App defaults = decode(spec("run: {jar: /a.jar}\nrollout: {maxUnavailable: 1, maxSurge: 100%}")).getFirst();
        assertThat(decode(Json.writeYaml(defaults))).containsExactly(defaults);
    }

    @Test
    void the_defaults_are_written_in_full_and_read_back() throws Exception {
        App app = decode(spec("run: {jar: /a.jar}")).getFirst();
        String yaml = Json.writeYaml(app);

        assertThat(yaml).contains("maxUnavailable: \"0\"", "loadBalancer: leastRequest", "routes: []");
        assertThat(decode(yaml)).containsExactly(app);
        assertThat(app.spec().traffic()).isSameAs(Traffic.DEFAULTS);
        assertThat(app.spec().rollout()).isSameAs(Rollout.DEFAULTS);
    }

    // ----- checkFiles -----

    @Test
    void check_files_reports_a_missing_jar_and_working_dir(@TempDir Path dir) throws Exception {
        Files.createFile(dir.resolve("portal.jar"));
        Files.createDirectory(dir.resolve("work"));
        String text = spec("run: {jar: portal.jar, workingDir: work}")
                + "---\n" + HEADER + "metadata: {name: api}\nspec: {run: {jar: api.jar, workingDir: portal.jar}}\n";
        List<App> apps = SpecDecoder.decode("apps.yaml", text, dir);

        assertThat(SpecDecoder.checkFiles("apps.yaml", apps))
                .extracting(SpecError::file, SpecError::path, SpecError::message)
                .containsExactly(
                        tuple("apps.yaml", "[doc 2] spec.run.jar", "file not found: " + dir.resolve("api.jar") + " (app default/api)"),
                        tuple("apps.yaml", "[doc 2] spec.run.workingDir",
                                "not a directory: " + dir.resolve("portal.jar") + " (app default/api)"));
        assertThat(SpecDecoder.checkFiles("apps.yaml", apps.subList(0, 1))).isEmpty();
    }

    @Test
    void check_files_ignores_commands() throws Exception {
        List<App> apps = decode(spec("run: {command: [/no/such/program]}"));

        assertThat(SpecDecoder.checkFiles("portal.yaml", apps)).isEmpty();
    }

    // ----- the reference in docs/spec.md -----

    @Test
    void the_yaml_examples_of_the_spec_reference_decode() throws Exception {
        Path doc = Path.of("../docs/spec.md");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(doc), "docs/spec.md is not beside this module");
        var blocks = java.util.regex.Pattern.compile("```yaml\n(.*?)```", java.util.regex.Pattern.DOTALL)
                .matcher(Files.readString(doc)).results().map(m -> m.group(1)).toList();

        assertThat(blocks).hasSize(2);
        List<App> example = decode(blocks.get(0));
        assertThat(example).extracting(App::key).containsExactly("citizens/portal", "default/notifier");
        AppSpec portal = example.getFirst().spec();
        assertThat(portal.routes()).containsExactly(new Route("portal.gov.example", "/", false, null),
                new Route("portal.gov.example", "/api", true, 120.0));
        assertThat(portal.traffic().affinity()).isEqualTo(new Traffic.Affinity("JSESSIONID", false, null, false));
        assertThat(portal.traffic().retries().on()).containsExactly("502", "503", "reset");
        assertThat(portal.rollout()).isEqualTo(new Rollout("1", "0", 10, 300, 10, false, true,
                new Rollout.Canary(10, 300, 1, 800)));
        assertThat(example.get(1).spec().rollout()).isEqualTo(Rollout.DEFAULTS);
        assertThat(decode(blocks.get(1))).extracting(App::key).containsExactly("default/hello");
    }

    @Test
    void the_error_examples_of_the_spec_reference_are_real_messages() throws Exception {
        Path doc = Path.of("../docs/spec.md");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(doc), "docs/spec.md is not beside this module");
        String text = Files.readString(doc);

        String bad = """
                apiVersion: nuri.io/v2
                kind: App
                metadata: {labels: {app.kubernetes.io/name: web app}}
                spec: {run: {jar: /a.jar}, replicas: two, probes: {readiness: {tcp: {}, periodSeconds: -1}}, foo: 1,
                       volumes: [{name: data}, {name: data}]}
                ---
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: portal}
                spec:
                  run: {jar: /a.jar}
                  env: {PORT: 1}
                  routes: [{host: "*.gov.example"}, {path: /api}, {path: /api/}]
                  traffic: {affinity: {cookie: JSESSIONID, header: X-User}, retries: {on: [502, 500]}}
                  rollout: {maxSurge: 0, maxUnavailable: "0%", minReadySeconds: 300, canary: {weightPercent: 100}}
                """;
        List<SpecError> errors = errorsOf(bad);
        assertThat(errors).hasSize(16);
        for (SpecError e : errors) {
            assertThat(text).contains(e.toString());
        }
    }

    // ----- round trips -----

    @Test
    void an_app_written_as_yaml_decodes_to_an_equal_app() throws Exception {
        App app = decode(FULL).getFirst();

        String yaml = Json.writeYaml(app);
        assertThat(decode(yaml)).containsExactly(app);
        assertThat(SpecDecoder.decode("again.yaml", yaml, null)).containsExactly(app);
    }

    @Test
    void an_app_written_as_json_decodes_and_deserializes_to_an_equal_app() throws Exception {
        App app = decode(FULL).getFirst();

        assertThat(decode(Json.write(app))).containsExactly(app);
        assertThat(Json.read(Json.write(app), App.class)).isEqualTo(app);
    }

    @Test
    void a_jar_spec_is_written_with_its_path_not_a_boolean() throws Exception {
        App app = decode(spec("run: {jar: /opt/portal.jar}")).getFirst();

        assertThat(Json.writeYaml(app)).contains("jar: /opt/portal.jar").doesNotContain("jar: true");
    }

    @Test
    void strings_that_look_like_numbers_or_booleans_are_quoted_when_written() throws Exception {
        App app = decode(spec("""
                run: {command: [./x, "8080", "1.50", "0x1F", "1_000", ".inf", "yes", "null", "~", "-1", "+.5"]}
                env: {A: "007", B: "1e3"}
                """)).getFirst();

        assertThat(decode(Json.writeYaml(app))).containsExactly(app);
    }
}
