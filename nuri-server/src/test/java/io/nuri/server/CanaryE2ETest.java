package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A canary through the real platform: the gateway sends the canary its share of the traffic,
 * the server's recorder sees its 500s, the controller fails it at the end of its window and
 * rolls back, and no request goes unanswered meanwhile.
 */
class CanaryE2ETest {
    private static final Duration PHASE = Duration.ofSeconds(60);

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

    static String spec(String version, String failRate) {
        return TestApps.sample("can").smallJvm().env("APP_VERSION", version).env("FAIL_RATE", failRate).replicas(2)
                .route("/").readinessEvery(0.25).set("traffic", "{warmupSeconds: 0}").set("rollout", """
                        maxSurge: 1
                        maxUnavailable: 0
                        progressDeadlineSeconds: 30
                        canary: {weightPercent: 30, durationSeconds: 5, maxErrorRatePercent: 1}
                        """).yaml();
    }

    static void apply(String yaml) {
        server.apply(tmp.resolve("can.yaml"), yaml);
    }

    static JsonNode rollout() {
        return server.http("GET", "/api/v1/namespaces/default/apps/can/rollout", null, server.token()).json();
    }

    /** Clients through the gateway, counting answers by version while {@link #counting}. */
    static final class Load implements AutoCloseable {
        final AtomicBoolean counting = new AtomicBoolean();
        final AtomicLong v1 = new AtomicLong();
        final AtomicLong v2Errors = new AtomicLong();
        final List<String> unexpected = new CopyOnWriteArrayList<>();
        final GatewayClients clients;

        Load(int n) {
            clients = new GatewayClients(gateway + "/", n, r -> {
                boolean count = counting.get();
                if (r.statusCode() == 200 && r.body().contains("version=v1")) {
                    if (count) {
                        v1.incrementAndGet();
                    }
                } else if (r.statusCode() == 500 && r.body().contains("version=v2")) {
                    if (count) {
                        v2Errors.incrementAndGet();
                    }
                } else {
                    unexpected.add(r.statusCode() + " " + r.body().trim());
                }
            }, e -> unexpected.add(e.toString()));
        }

        @Override
        public void close() throws InterruptedException {
            clients.close();
        }
    }

    @Test
    void aFailingCanaryGetsItsShareOfTrafficAndIsRolledBackAtTheEndOfItsWindow() throws Exception {
        apply(spec("v1", "0"));
        await().atMost(PHASE).until(() -> "Complete".equals(rollout().path("phase").asText()));

        try (Load load = new Load(4)) {
            apply(spec("v2", "1")); // the new build answers / with 500 every time
            await("canary").atMost(PHASE).pollInterval(Duration.ofMillis(20))
                    .until(() -> "Canary".equals(rollout().path("phase").asText()));
            load.counting.set(true);
            JsonNode canary = rollout();
            assertThat(canary.path("message").asText())
                    .isEqualTo("canary: 1 instance of revision 2 gets 30% of traffic for 5 s");
            assertThat(server.instances("can")).filteredOn(i -> i.get("revision").asInt() == 1).hasSize(2);
            await("rolled back").atMost(PHASE).pollInterval(Duration.ofMillis(20))
                    .until(() -> "RolledBack".equals(rollout().path("phase").asText()));
            load.counting.set(false);
            await().atMost(PHASE).until(() -> server.instances("can").size() == 2
                    && server.instances("can").stream().allMatch(i -> i.get("revision").asInt() == 1));
            Thread.sleep(500);

            assertThat(load.unexpected).as("every request answered, by v1 (200) or the canary (500)").isEmpty();
            long total = load.v1.get() + load.v2Errors.get();
            // enough for the share to mean something; a loaded 2-core machine served 130 in the window once
            assertThat(total).as("requests during the window").isGreaterThan(80);
            double share = 100.0 * load.v2Errors.get() / total;
            assertThat(share).as("canary share of %d requests", total).isBetween(20.0, 40.0);
        }
        List<JsonNode> events = server.events("can");
        JsonNode failed = events.stream().filter(e -> e.get("reason").asText().equals("CanaryFailed")).findFirst()
                .orElseThrow();
        assertThat(failed.get("message").asText()).matches(
                "canary of revision 2 failed after [0-9]+ s: [0-9]+ requests, 100\\.0% errors \\(max 1%\\), p95 .* ms");
        assertThat(events).anySatisfy(e -> {
            assertThat(e.get("reason").asText()).isEqualTo("RolledBack");
            assertThat(e.get("message").asText()).startsWith("rolled back from revision 2 to 1: canary of revision 2");
        });
        ServerProcess.CliResult status = server.nuri("rollout", "status", "can", "--no-watch");
        assertThat(status.out() + status.err()).contains("rolled back");
    }
}
