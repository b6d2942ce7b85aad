package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuri.api.codec.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server with {@code --metrics-port}, the portal behind its gateway: {@code /metrics} moves
 * with the traffic, needs the token on the API port and not on the metrics port, passes the real
 * {@code promtool check metrics}; a long request climbs the in-flight-by-age bars.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusE2ETest {
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    ServerProcess server;
    HttpClient http;

    @BeforeAll
    void startPortal(@TempDir Path tmp) {
        server = ServerProcess.start(tmp.resolve("data"), "--metrics-port", "0");
        server.apply(tmp.resolve("portal.yaml"), TestApps.sample("portal").replicas(1).route("/").yaml());
        await().atMost(Duration.ofSeconds(60)).until(() -> server.readyInstances("portal").size() == 1);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    void stop() {
        if (http != null) {
            http.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void metricsMoveWithTrafficNeedTheTokenOnTheApiAndPassPromtool() throws Exception {
        assertThat(server.http("GET", "/metrics", null, null).status()).isEqualTo(401);
        assertThat(server.http("GET", "/metrics", null, "wrong-token").status()).isEqualTo(401);
        String before = scrape();
        double total0 = sum(before, "nuri_http_requests_total", "app=\"portal\"");
        double failed0 = sum(before, "nuri_http_requests_total", "app=\"portal\"", "status=\"500\"");
        double count0 = sum(before, "nuri_http_request_duration_seconds_count", "app=\"portal\"");

        int ok = 25;
        int failing = 5;
        for (int i = 0; i < ok; i++) {
            assertThat(get("/work?ms=5").statusCode()).isEqualTo(200);
        }
        for (int i = 0; i < failing; i++) {
            assertThat(get("/fail?rate=1").statusCode()).isEqualTo(500);
        }

        // The sample is counted when the response completed, a moment after the client saw it.
        await().atMost(Duration.ofSeconds(5)).until(() -> sum(scrape(), "nuri_http_requests_total", "app=\"portal\"")
                == total0 + ok + failing);
        String after = scrape();
        assertThat(sum(after, "nuri_http_requests_total", "app=\"portal\"", "status=\"500\"")).isEqualTo(failed0 + failing);
        assertThat(sum(after, "nuri_http_request_duration_seconds_count", "app=\"portal\"")).isEqualTo(count0 + ok + failing);
        // Every one of the 25 took >= 5 ms, none of the 30 took 10 s.
        assertThat(sum(after, "nuri_http_request_duration_seconds_bucket", "app=\"portal\"", "le=\"10.0\""))
                .isEqualTo(count0 + ok + failing);
        assertThat(sum(after, "nuri_http_request_duration_seconds_sum", "app=\"portal\"")).isGreaterThanOrEqualTo(ok * 0.005);
        assertThat(sum(after, "nuri_instances", "app=\"portal\"", "state=\"Ready\"")).isEqualTo(1);
        assertThat(sum(after, "nuri_instances", "app=\"portal\"", "state=\"Failed\"")).isZero();
        assertThat(sum(after, "nuri_instance_memory_bytes", "app=\"portal\"")).isPositive();
        assertThat(after).containsPattern("(?m)^nuri_instance_cpu_ratio\\{.*app=\"portal\".*\\} ");
        assertThat(after).containsPattern("(?m)^nuri_restarts_total\\{.*app=\"portal\".*revision=\"1\".*\\} 0");
        assertThat(sum(after, "nuri_apdex", "app=\"portal\"")).isBetween(0.0, 1.0);
        assertThat(sum(after, "nuri_active_users", "app=\"portal\"")).isEqualTo(1); // one client address
        assertThat(sum(after, "nuri_in_flight_requests", "app=\"portal\"")).isZero();
        assertThat(after).as("nothing dropped at this rate").containsPattern("(?m)^nuri_apm_dropped_samples_total\\{stage=\"feed\"\\} 0(\\.0)?$")
                .containsPattern("(?m)^nuri_apm_dropped_samples_total\\{stage=\"access_log\"\\} 0(\\.0)?$");
        promtoolAccepts(after);

        // The unauthenticated port: the same exposition, and nothing of the API.
        String metricsUrl = Json.MAPPER.readTree(Files.readString(server.dataDir.resolve(NuriServer.SERVER_FILE)))
                .path("metricsUrl").asText();
        assertThat(metricsUrl).startsWith("http://127.0.0.1:").endsWith("/metrics");
        HttpResponse<String> open = http.send(HttpRequest.newBuilder(URI.create(metricsUrl)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(open.statusCode()).isEqualTo(200);
        assertThat(open.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        assertThat(sum(open.body(), "nuri_http_requests_total", "app=\"portal\"")).isEqualTo(total0 + ok + failing);
        promtoolAccepts(open.body());
        String apiOnMetricsPort = metricsUrl.replace("/metrics", "/api/v1/apm/apps");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(apiOnMetricsPort)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(404);

        // OpenMetrics for a Prometheus that asks for it.
        HttpResponse<String> om = http.send(HttpRequest.newBuilder(URI.create(metricsUrl))
                .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(om.headers().firstValue("content-type").orElse("")).startsWith("application/openmetrics-text");
        assertThat(om.body()).endsWith("# EOF\n");
    }

    @Test
    void aLongRequestClimbsTheInFlightBarsByAge() throws Exception {
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<String>> slow = http.sendAsync(
                HttpRequest.newBuilder(URI.create(server.gatewayUrl() + "/work?ms=9000")).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(3)).until(() -> ages().equals("1,0,0"));
        assertThat(sum(scrape(), "nuri_in_flight_requests", "app=\"portal\"")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(200)).until(() -> ages().equals("0,1,0"));
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(3));
        await().atMost(Duration.ofSeconds(7)).pollInterval(Duration.ofMillis(200)).until(() -> ages().equals("0,0,1"));
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(8));
        assertThat(slow.get(15, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(3)).until(() -> ages().equals("0,0,0"));

        JsonNode m = metrics(30);
        assertThat(m.path("current").path("inFlight").asLong()).isZero();
        // The seconds the request ran through show it under way, though nothing completed in most of them.
        long secondsWithOne = 0;
        for (JsonNode p : m.path("series").path("points")) {
            assertThat(p.has("inFlight")).isTrue();
            if (p.path("inFlight").asLong() >= 1) {
                secondsWithOne++;
            }
        }
        assertThat(secondsWithOne).isGreaterThanOrEqualTo(9);
    }

    private JsonNode metrics(int seconds) {
        return server.http("GET", "/api/v1/namespaces/default/apps/portal/metrics?seconds=" + seconds, null, server.token()).json();
    }

    /** "under3s,from3to8s,over8s" of the portal now, from the JSON API. */
    private String ages() {
        JsonNode a = metrics(5).path("current").path("inFlightByAge");
        return a.path("under3s").asLong() + "," + a.path("from3to8s").asLong() + "," + a.path("over8s").asLong();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(server.gatewayUrl() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String scrape() {
        ServerProcess.HttpResult r = server.http("GET", "/metrics", null, server.token());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    /**
     * Sum of the samples of {@code name} whose label set contains every one of {@code labels}
     * (a test's reading of the text format; the server writes it with the Prometheus library).
     */
    static double sum(String exposition, String name, String... labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(exposition);
        double total = 0;
        while (m.find()) {
            boolean all = true;
            for (String l : labels) {
                all &= ("," + m.group(1) + ",").contains("," + l + ",");
            }
            if (all) {
                total += Double.parseDouble(m.group(2));
            }
        }
        return total;
    }

    /** The real {@code promtool check metrics} (Debian package prometheus) reads the exposition on stdin. */
    static void promtoolAccepts(String exposition) throws Exception {
        assertThat(PROMTOOL).as("promtool (apt-get install prometheus)").exists();
        Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics").redirectErrorStream(true).start();
        try {
            p.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("promtool check metrics:\n" + out).isZero();
            assertThat(out).as("promtool lint findings").isBlank();
        } finally {
            p.destroyForcibly();
        }
    }
}
