package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform core end to end: one real server process, real sample-app instances, real
 * SQLite, the real CLI. Each test uses its own app so they do not disturb each other.
 */
class PlatformE2ETest {
    private static final Duration READY = Duration.ofSeconds(60);

    @TempDir
    static Path tmp;

    static ServerProcess server;

    @BeforeAll
    static void startServer() {
        server = ServerProcess.start(tmp.resolve("data"));
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    static Path spec(String name, String yaml) throws IOException {
        Path file = tmp.resolve(name + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    static void apply(String name, String yaml) throws IOException {
        ServerProcess.CliResult r = server.nuri("apply", "-f", spec(name, yaml).toString());
        assertThat(r.code()).as("apply: %s", r).isZero();
    }

    static List<JsonNode> awaitReady(String app, int n) {
        await(app + " has " + n + " ready instances").atMost(READY).pollInterval(Duration.ofMillis(250))
                .until(() -> server.readyInstances(app).size() == n && server.instances(app).size() == n);
        return server.readyInstances(app);
    }

    static String get(int port, String path) throws Exception {
        try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    @Test
    void applyStartsTheRequestedNumberOfReadyInstancesThatServeTraffic() throws Exception {
        apply("web", TestApps.supervised("web").replicas(2).yaml());
        List<JsonNode> ready = awaitReady("web", 2);
        for (JsonNode i : ready) {
            assertThat(i.get("namespace").asText()).isEqualTo("default");
            assertThat(i.get("app").asText()).isEqualTo("web");
            assertThat(i.get("revision").asInt()).isEqualTo(1);
            assertThat(i.get("restarts").asInt()).isZero();
            assertThat(ServerProcess.alive(i.get("pid").asLong())).isTrue();
            assertThat(get(i.get("port").asInt(), "/")).contains("instance=" + i.get("id").asText());
        }
        JsonNode apps = server.nuri("get", "apps", "-o", "json").json();
        JsonNode web = null;
        for (JsonNode a : apps) {
            if (a.get("name").asText().equals("web")) {
                web = a;
            }
        }
        assertThat(web).isNotNull();
        assertThat(web.get("replicas").asInt()).isEqualTo(2);
        assertThat(web.get("readyReplicas").asInt()).isEqualTo(2);
        assertThat(web.get("revision").asInt()).isEqualTo(1);

        ServerProcess.CliResult again = server.nuri("apply", "-f", tmp.resolve("web.yaml").toString());
        assertThat(again.out()).contains("unchanged");
    }

    @Test
    void aNewRevisionReplacesInstancesOneByOneWithoutDroppingBelowTheReadyCount() throws Exception {
        apply("rolling", TestApps.supervised("rolling").replicas(2).env("APP_VERSION", "v1").yaml());
        awaitReady("rolling", 2);
        apply("rolling", TestApps.supervised("rolling").replicas(2).env("APP_VERSION", "v2").yaml());
        int fewestReady = Integer.MAX_VALUE;
        Instant deadline = Instant.now().plus(READY);
        while (Instant.now().isBefore(deadline)) {
            List<JsonNode> all = server.instances("rolling");
            List<JsonNode> ready = all.stream().filter(i -> "Ready".equals(i.path("state").asText())).toList();
            fewestReady = Math.min(fewestReady, ready.size());
            if (all.size() == 2 && ready.size() == 2 && ready.stream().allMatch(i -> i.get("revision").asInt() == 2)) {
                break;
            }
            Thread.sleep(100);
        }
        List<JsonNode> done = server.readyInstances("rolling");
        assertThat(done).hasSize(2).allSatisfy(i -> assertThat(i.get("revision").asInt()).isEqualTo(2));
        assertThat(fewestReady).as("ready instances never dropped below the replica count").isGreaterThanOrEqualTo(2);
        for (JsonNode i : done) {
            assertThat(get(i.get("port").asInt(), "/version").trim()).isEqualTo("v2");
        }
        JsonNode revisions = server.http("GET", "/api/v1/namespaces/default/apps/rolling/revisions", null, server.token()).json();
        assertThat(revisions).hasSize(2);
    }

    @Test
    void aKilledInstanceIsRestartedAndReadyAgain() throws Exception {
        apply("killme", TestApps.supervised("killme").replicas(1).yaml());
        JsonNode before = awaitReady("killme", 1).get(0);
        long pid = before.get("pid").asLong();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();

        await("replacement ready").atMost(READY).pollInterval(Duration.ofMillis(250)).until(() -> {
            List<JsonNode> ready = server.readyInstances("killme");
            return ready.size() == 1 && ready.get(0).get("pid").asLong() != pid;
        });
        JsonNode after = server.readyInstances("killme").get(0);
        assertThat(after.get("id").asText()).isEqualTo(before.get("id").asText());
        assertThat(after.get("restarts").asInt()).isEqualTo(1);
        assertThat(ServerProcess.alive(pid)).isFalse();
        assertThat(server.events("killme")).anySatisfy(e -> {
            assertThat(e.get("reason").asText()).isEqualTo("Restarted");
            assertThat(e.get("message").asText()).contains("1st restart");
        });
    }

    @Test
    void anInstanceThatStopsAnsweringItsLivenessProbeIsRestarted() throws Exception {
        apply("hangs", TestApps.supervised("hangs").replicas(1).yaml());
        JsonNode before = awaitReady("hangs", 1).get(0);
        get(before.get("port").asInt(), "/hang");

        await("restarted after liveness failure").atMost(READY).pollInterval(Duration.ofMillis(250)).until(() -> {
            List<JsonNode> ready = server.readyInstances("hangs");
            return ready.size() == 1 && ready.get(0).get("restarts").asInt() >= 1;
        });
        assertThat(ServerProcess.alive(before.get("pid").asLong())).isFalse();
        assertThat(server.events("hangs")).anySatisfy(e -> {
            assertThat(e.get("reason").asText()).isEqualTo("Unhealthy");
            assertThat(e.get("message").asText()).contains("liveness probe failed");
        });
    }

    @Test
    void aCrashLoopBacksOffWithGrowingIntervals() throws Exception {
        apply("crashy", """
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: crashy}
                spec:
                  run: {command: ["sh", "-c", "echo starting; sleep 0.2; exit 3"]}
                  replicas: 1
                """);
        await("five restarts").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> restartTimes("crashy").size() >= 5);
        List<Instant> restarts = restartTimes("crashy");
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < restarts.size(); i++) {
            gaps.add(Duration.between(restarts.get(i - 1), restarts.get(i)).toMillis());
        }
        // Backoff 0, 1, 2, 4 s after each 0.2 s run: each gap is longer than the one before.
        assertThat(gaps.get(3)).as("gaps %s", gaps).isGreaterThan(gaps.get(1));
        assertThat(gaps.get(3)).as("gaps %s", gaps).isGreaterThanOrEqualTo(2_500);
        JsonNode inst = server.instances("crashy").get(0);
        assertThat(inst.get("restarts").asInt()).isGreaterThanOrEqualTo(4);
        assertThat(server.events("crashy")).anySatisfy(e ->
                assertThat(e.get("message").asText()).contains("exit code 3").contains("next backoff"));
        server.nuri("delete", "app", "crashy");
    }

    private static List<Instant> restartTimes(String app) {
        return server.events(app).stream()
                .filter(e -> e.get("reason").asText().equals("Restarted"))
                .map(e -> Instant.parse(e.get("time").asText()))
                .toList();
    }

    @Test
    void anInvalidSpecIsRejectedWithEveryErrorAndNothingIsStored() throws Exception {
        String before = server.nuri("get", "apps", "-A", "-o", "json").out();
        Path bad = spec("bad", """
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: Bad_Name}
                spec:
                  run: {jar: missing.jar}
                  replicas: -1
                  probes:
                    readiness: {http: {path: /health}, periodSeconds: -1}
                  colour: blue
                ---
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: good-one}
                spec:
                  run: {command: ["sleep", "100"]}
                """);
        ServerProcess.CliResult r = server.nuri("apply", "-f", bad.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err())
                .contains("metadata.name")
                .contains("spec.replicas")
                .contains("spec.probes.readiness.periodSeconds: must be > 0, got -1")
                .contains("spec.colour")
                .contains("bad.yaml");
        assertThat(server.nuri("get", "apps", "-A", "-o", "json").out()).isEqualTo(before);
        assertThat(server.http("GET", "/api/v1/namespaces/default/apps/good-one", null, server.token()).status())
                .isEqualTo(404);
    }

    @Test
    void theApiAnswers401WithoutTheRightToken() {
        assertThat(server.http("GET", "/api/v1/apps", null, null).status()).isEqualTo(401);
        ServerProcess.HttpResult wrong = server.http("GET", "/api/v1/apps", null, "not-the-token");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json().get("error").asText()).isEqualTo("unauthorized");
        assertThat(server.http("POST", "/api/v1/apply", "apiVersion: nuri.io/v1", "x").status()).isEqualTo(401);
        assertThat(server.http("GET", "/api/v1/nope", null, null).status()).isEqualTo(401);
        assertThat(server.http("GET", "/api/v1/apps", null, server.token()).status()).isEqualTo(200);
        assertThat(server.http("GET", "/healthz", null, null).status()).isEqualTo(200);
        ServerProcess.CliResult cli = server.nuri("get", "apps", "--token", "wrong");
        assertThat(cli.code()).isEqualTo(4);
        assertThat(cli.err()).contains("401").doesNotContain(server.token());
    }

    @Test
    void scaleUpAndDown() throws Exception {
        apply("scaled", TestApps.supervised("scaled").replicas(1).yaml());
        awaitReady("scaled", 1);
        assertThat(server.nuri("scale", "app", "scaled", "--replicas", "3").code()).isZero();
        awaitReady("scaled", 3);
        List<Long> pids = server.instances("scaled").stream().map(i -> i.get("pid").asLong()).toList();
        assertThat(server.nuri("scale", "app", "scaled", "--replicas", "1").code()).isZero();
        awaitReady("scaled", 1);
        await("stopped instances are gone").atMost(READY)
                .until(() -> pids.stream().filter(ServerProcess::alive).count() == 1);
        assertThat(server.nuri("scale", "app", "nosuchapp", "--replicas", "1").code()).isEqualTo(1);
    }

    @Test
    void deleteStopsEveryInstanceAndRemovesTheApp() throws Exception {
        apply("doomed", TestApps.supervised("doomed").replicas(2).yaml());
        List<Long> pids = awaitReady("doomed", 2).stream().map(i -> i.get("pid").asLong()).toList();
        assertThat(server.nuri("delete", "app", "doomed").code()).isZero();
        // One CLI call per poll: the app may vanish between two calls (instances drain for >= 1 s first).
        await("app gone").atMost(READY).until(() -> {
            ServerProcess.CliResult r = server.nuri("get", "instances", "doomed", "-o", "json");
            return r.code() != 0 || r.out().isBlank() || r.out().strip().equals("[]") || r.out().strip().equals("[ ]");
        });
        await("processes gone").atMost(READY).until(() -> pids.stream().noneMatch(ServerProcess::alive));
        await("app record gone").atMost(READY).until(() -> server.http("GET", "/api/v1/namespaces/default/apps/doomed",
                null, server.token()).status() == 404);
    }
}
