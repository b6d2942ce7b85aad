package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users' view of deploys, crashes and scale-downs: a client sends requests through the gateway
 * the whole time, and every response must be the app's 200.
 */
class ZeroDowntimeE2ETest {
    private static final Duration PHASE = Duration.ofSeconds(90);

    @TempDir
    static Path tmp;

    static ServerProcess server;
    static String gateway;

    @BeforeAll
    static void start() throws Exception {
        server = ServerProcess.start(tmp.resolve("data"));
        gateway = server.gatewayUrl();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static TestApps.Spec spec(String version, int replicas) {
        return TestApps.sample("zdt").smallJvm().env("APP_VERSION", version).replicas(replicas).route("/")
                .readinessEvery(0.5).set("traffic", "{warmupSeconds: 0}")
                .set("rollout", "{maxSurge: 1, maxUnavailable: 0, progressDeadlineSeconds: 15}");
    }

    static void apply(TestApps.Spec app) {
        server.apply(tmp.resolve("zdt.yaml"), app.yaml());
    }

    /** Clients hammering the gateway; every outcome that is not a 200 from the app is recorded. */
    static final class Load implements AutoCloseable {
        final AtomicLong ok = new AtomicLong();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final Map<String, AtomicLong> versions = new ConcurrentHashMap<>();
        final GatewayClients clients;

        Load(int n) {
            clients = new GatewayClients(gateway + "/", n, r -> {
                if (r.statusCode() == 200 && r.body().startsWith("sample-app")) {
                    ok.incrementAndGet();
                    String v = r.body().substring(r.body().indexOf("version=") + 8).trim();
                    versions.computeIfAbsent(v, k -> new AtomicLong()).incrementAndGet();
                } else {
                    failures.add(r.statusCode() + " " + r.body().trim());
                }
            }, e -> failures.add(e.toString()));
        }

        void assertNoFailures(String phase) {
            assertThat(failures).as("failed requests during %s (%d ok)", phase, ok.get()).isEmpty();
            assertThat(ok.get()).as("requests served during %s", phase).isGreaterThan(50);
        }

        @Override
        public void close() throws InterruptedException {
            clients.close();
        }
    }

    static boolean settled(int replicas, int revision) {
        List<JsonNode> all = server.instances("zdt");
        return all.size() == replicas && all.stream().allMatch(i ->
                "Ready".equals(i.get("state").asText()) && i.get("revision").asInt() == revision);
    }

    @Test
    void deploysCrashesScaleDownsAndAFailedReleaseCauseNoFailedRequest() throws Exception {
        apply(spec("v1", 4));
        await().atMost(PHASE).until(() -> settled(4, 1));

        try (Load load = new Load(4)) {
            apply(spec("v2", 4));
            await("rolling update to v2").atMost(PHASE).until(() -> settled(4, 2));
            Thread.sleep(1000);
            load.assertNoFailures("a rolling update of 4 instances");
            assertThat(load.versions).containsKeys("v1", "v2");
        }

        try (Load load = new Load(4)) {
            Thread.sleep(1000);
            long victim = server.instances("zdt").get(0).get("pid").asLong();
            ProcessHandle.of(victim).orElseThrow().destroyForcibly();
            await("replacement").atMost(PHASE).until(() -> settled(4, 2)
                    && server.instances("zdt").stream().noneMatch(i -> i.get("pid").asLong() == victim));
            Thread.sleep(1000);
            load.assertNoFailures("kill -9 of one of 4 instances");
        }

        try (Load load = new Load(4)) {
            assertThat(server.nuri("scale", "app", "zdt", "--replicas", "1").code()).isZero();
            await("scale to 1").atMost(PHASE).until(() -> settled(1, 2));
            Thread.sleep(1000);
            load.assertNoFailures("scale from 4 to 1");
        }

        try (Load load = new Load(4)) {
            apply(spec("v3", 1).javaOpts("-XX:+ThisFlagDoesNotExist")); // the JVM refuses to start
            await("automatic rollback").atMost(PHASE).until(() -> {
                JsonNode status = server.http("GET", "/api/v1/namespaces/default/apps/zdt/rollout", null, server.token()).json();
                return status.toString().contains("RolledBack");
            });
            await().atMost(PHASE).until(() -> server.instances("zdt").stream().allMatch(i ->
                    "Ready".equals(i.get("state").asText())) && server.instances("zdt").size() == 1);
            Thread.sleep(1000);
            load.assertNoFailures("an update to a revision that crashes at start");
            assertThat(load.versions.keySet()).containsExactly("v2");
        }
        assertThat(server.events("zdt")).anySatisfy(e -> assertThat(e.get("reason").asText()).isEqualTo("RolledBack"));
    }
}
