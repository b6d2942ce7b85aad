package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The autoscaler on a real platform: real instances, real load through the gateway. */
class AutoscaleE2ETest {
    @TempDir
    Path tmp;

    int replicas(ServerProcess server, String app) {
        return server.http("GET", "/api/v1/namespaces/default/apps/" + app + "/autoscale", null, server.token()).json()
                .path("replicas").asInt();
    }

    @Test
    void aLoadStepScalesOutWithinTheBoundsAndCalmScalesBackIn() throws Exception {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.apply(tmp.resolve("web.yaml"), TestApps.sample("web").route("/").autoscale("""
                    minReplicas: 2
                    maxReplicas: 4
                    targetConcurrency: 4
                    stableWindowSeconds: 6
                    scaleDownStabilizationSeconds: 6
                    """).yaml());
            await().atMost(Duration.ofSeconds(60)).until(() -> server.readyInstances("web").size() == 2);
            // Scaling by hand is refused while the autoscaler owns the count.
            ServerProcess.CliResult scale = server.nuri("scale", "app", "web", "--replicas", "3");
            assertThat(scale.code()).isNotZero();
            assertThat(scale.err()).contains("is autoscaled between 2 and 4");

            // A short spike (10 in flight for about a second: 1.25x the target of 2 x 4, a panic needs 2x) is
            // no reason to scale, even if a busy machine stretches it to a few seconds.
            try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                List<Thread> spike = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    spike.add(Thread.ofVirtual().start(() -> {
                        for (int k = 0; k < 4; k++) {
                            try {
                                http.send(HttpRequest.newBuilder(URI.create(server.gatewayUrl() + "/work?ms=150")).build(),
                                        HttpResponse.BodyHandlers.discarding());
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        }
                    }));
                }
                for (Thread t : spike) {
                    t.join();
                }
            }
            Thread.sleep(6000);
            assertThat(replicas(server, "web")).isEqualTo(2);
            assertThat(server.events("web")).noneMatch(e -> e.path("reason").asText().startsWith("Scaled"));

            // A step to 24 clients (3x the target on two instances): out to the maximum, never past it.
            AtomicLong ok = new AtomicLong();
            List<Object> failures = new CopyOnWriteArrayList<>();
            AtomicInteger highest = new AtomicInteger();
            try (GatewayClients load = new GatewayClients(server.gatewayUrl() + "/work?ms=200", 24, r -> {
                if (r.statusCode() == 200) {
                    ok.incrementAndGet();
                } else {
                    failures.add(r.statusCode());
                }
            }, failures::add)) {
                await("scaled out to maxReplicas").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                        .until(() -> {
                            int n = replicas(server, "web");
                            highest.accumulateAndGet(n, Math::max);
                            return n == 4;
                        });
                await().atMost(Duration.ofSeconds(60)).until(() -> server.readyInstances("web").size() == 4);
                for (int i = 0; i < 8; i++) { // the maximum holds under load
                    highest.accumulateAndGet(replicas(server, "web"), Math::max);
                    Thread.sleep(250);
                }
            }
            assertThat(highest.get()).isEqualTo(4);
            assertThat(failures).isEmpty();
            assertThat(ok.get()).isPositive();
            JsonNode up = server.events("web").stream().filter(e -> e.path("reason").asText().equals("ScaledUp"))
                    .findFirst().orElseThrow();
            assertThat(up.path("message").asText()).contains("autoscaled 2 -> ").contains("concurrency")
                    .contains("target 4 per instance");

            // Load gone: back to the minimum after the scale-down stabilization, not below it.
            await("scaled in to minReplicas").atMost(Duration.ofSeconds(90)).until(() -> replicas(server, "web") == 2);
            await().atMost(Duration.ofSeconds(60)).until(() -> server.instances("web").size() == 2);
            Thread.sleep(3000);
            assertThat(replicas(server, "web")).isEqualTo(2);
            assertThat(server.events("web")).anyMatch(e -> e.path("reason").asText().equals("ScaledDown"));

            ServerProcess.CliResult status = server.nuri("autoscale", "status", "web", "-o", "json");
            assertThat(status.code()).isZero();
            JsonNode s = status.json();
            assertThat(s.path("maxReplicas").asInt()).isEqualTo(4);
            assertThat(s.path("decisions").size()).isGreaterThanOrEqualTo(2);
            assertThat(s.path("decisions").get(0).path("to").asInt()).isEqualTo(2);
            ServerProcess.CliResult table = server.nuri("autoscale", "status", "web");
            assertThat(table.out()).contains("app/web: 2 replicas").contains("concurrency").contains("last decisions:");
        }
    }

    @Test
    void anIdleAppScalesToZeroAndWakesOnTheFirstRequestsWithoutFailingAny() throws Exception {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.apply(tmp.resolve("lazy.yaml"), TestApps.sample("lazy").route("/").autoscale("""
                    minReplicas: 0
                    maxReplicas: 2
                    targetConcurrency: 10
                    scaleToZeroAfterSeconds: 3
                    """).yaml());
            await().atMost(Duration.ofSeconds(60)).until(() -> server.readyInstances("lazy").size() == 1);
            await("scaled to zero").atMost(Duration.ofSeconds(60)).until(() -> replicas(server, "lazy") == 0);
            await("instance stopped").atMost(Duration.ofSeconds(60)).until(() -> server.instances("lazy").isEmpty());
            assertThat(server.events("lazy")).anyMatch(e -> e.path("reason").asText().equals("ScaledToZero"));

            // Five users arrive at once: held by the gateway while the first instance starts, then served.
            List<Integer> statuses = new CopyOnWriteArrayList<>();
            List<Object> failures = new CopyOnWriteArrayList<>();
            try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                List<Thread> users = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    users.add(Thread.ofVirtual().start(() -> {
                        try {
                            statuses.add(http.send(HttpRequest.newBuilder(URI.create(server.gatewayUrl() + "/work?ms=10"))
                                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
                        } catch (Exception e) {
                            failures.add(e);
                        }
                    }));
                }
                for (Thread t : users) {
                    t.join();
                }
            }
            assertThat(failures).isEmpty();
            assertThat(statuses).hasSize(5).containsOnly(200);
            assertThat(server.events("lazy")).anyMatch(e -> e.path("reason").asText().equals("WokeFromZero")
                    && e.path("message").asText().contains("held at zero"));
            assertThat(replicas(server, "lazy")).isBetween(1, 2);
        }
    }

    @Test
    void anOpenScheduleRaisesTheMinimumAndSaysSo() throws Exception {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            // "* * * * *" opens a window every minute that lasts a day: open now, whatever the time.
            server.apply(tmp.resolve("deadline.yaml"), TestApps.sample("deadline").autoscale("""
                    minReplicas: 1
                    maxReplicas: 4
                    targetConcurrency: 10
                    schedules:
                      - {name: registration, cron: "* * * * *", timeZone: Asia/Seoul, durationMinutes: 1440, minReplicas: 2}
                    """).yaml());
            await().atMost(Duration.ofSeconds(60)).until(() -> server.readyInstances("deadline").size() == 2);
            assertThat(server.events("deadline")).anyMatch(e -> e.path("reason").asText().equals("ScheduleOpened")
                    && e.path("message").asText().contains("raises minReplicas to 2"));
            JsonNode s = server.http("GET", "/api/v1/namespaces/default/apps/deadline/autoscale", null, server.token()).json();
            assertThat(s.path("effectiveMinReplicas").asInt()).isEqualTo(2);
            assertThat(s.path("schedules").get(0).path("open").asBoolean()).isTrue();
        }
    }
}
