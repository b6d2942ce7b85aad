package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.Server;
import io.nuri.api.codec.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nuri gslb} and {@code nuri demo hybrid} as an operator runs them: real processes, real dig. */
class GslbE2ETest {
    @TempDir
    Path tmp;

    private final List<Process> processes = new ArrayList<>();
    private final List<Server> backends = new ArrayList<>();

    @AfterEach
    void cleanup() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        backends.forEach(Server::close);
    }

    private Process nuri(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), ServerMain.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("NURI_HOME");
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private Server backend(String address, AtomicBoolean healthy) {
        Server s = Server.builder().http(new InetSocketAddress(address, 0))
                .service("/health", (ctx, req) -> HttpResponse.of(healthy.get() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE))
                .serviceUnder("/", (ctx, req) -> HttpResponse.of(address))
                .build();
        s.start().join();
        backends.add(s);
        return s;
    }

    private static String run(Path log, Process p) throws Exception {
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("finished").isTrue();
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    @Test
    void gslbCommandAnswersDnsAndShowsStatus() throws Exception {
        AtomicBoolean privateHealthy = new AtomicBoolean(true);
        Server priv = backend("127.0.0.2", privateHealthy);
        Server pub = backend("127.0.0.3", new AtomicBoolean(true));
        Path config = tmp.resolve("gslb.yaml");
        Files.writeString(config, """
                apiVersion: nuri.io/v1
                kind: GlobalService
                metadata: {name: portal}
                spec:
                  hostnames: [portal.egov.test]
                  ttlSeconds: 5
                  sites:
                    - {name: private, address: 127.0.0.2, port: %d, weight: 30, healthCheck: {path: /health}}
                    - {name: public, address: 127.0.0.3, port: %d, weight: 70, healthCheck: {path: /health}}
                """.formatted(priv.activeLocalPort(), pub.activeLocalPort()));
        Path dir = tmp.resolve("gslb");
        Process gslb = nuri(tmp.resolve("gslb.log"), "gslb", "--config", config.toString(), "--dns-port", "0",
                "--http-port", "0", "--data-dir", dir.toString());
        Path state = dir.resolve("server.json");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(state) || !gslb.isAlive());
        assertThat(gslb.isAlive()).as(Files.readString(tmp.resolve("gslb.log"))).isTrue();
        int dnsPort = Json.MAPPER.readTree(Files.readString(state)).path("dnsPort").asInt();

        Process dig = new ProcessBuilder("dig", "@127.0.0.1", "-p", String.valueOf(dnsPort), "+short", "portal.egov.test", "A")
                .redirectErrorStream(true).start();
        String answer = new String(dig.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(dig.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(answer).isIn("127.0.0.2", "127.0.0.3");

        privateHealthy.set(false);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Path log = tmp.resolve("status-" + System.nanoTime() + ".json");
            String out = run(log, nuri(log, "gslb", "status", "-o", "json", "--data-dir", dir.toString()));
            JsonNode sites = Json.MAPPER.readTree(out).path("services").get(0).path("sites");
            assertThat(sites.get(0).path("name").asText()).isEqualTo("private");
            assertThat(sites.get(0).path("up").asBoolean()).isFalse();
            assertThat(sites.get(0).path("share").asDouble()).isZero();
            assertThat(sites.get(1).path("share").asDouble()).isEqualTo(1.0);
        });
        Path tableLog = tmp.resolve("status.txt");
        String table = run(tableLog, nuri(tableLog, "gslb", "status", "--data-dir", dir.toString()));
        assertThat(table).contains("SERVICE portal").contains("DOWN").contains("SiteDown");

        gslb.destroy(); // SIGTERM: orderly stop, state file removed
        assertThat(gslb.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(gslb.exitValue()).isZero();
        assertThat(state).doesNotExist();
    }

    @Test
    void theServerCanRunTheGslbAndLogsSiteEventsInItsEventLog() throws Exception {
        AtomicBoolean privateHealthy = new AtomicBoolean(true);
        Server priv = backend("127.0.0.2", privateHealthy);
        Server pub = backend("127.0.0.3", new AtomicBoolean(true));
        Path config = tmp.resolve("gslb.yaml");
        Files.writeString(config, """
                apiVersion: nuri.io/v1
                kind: GlobalService
                metadata: {name: portal}
                spec:
                  hostnames: [portal.egov.test]
                  sites:
                    - {name: private, address: 127.0.0.2, port: %d, healthCheck: {path: /health}}
                    - {name: public, address: 127.0.0.3, port: %d, healthCheck: {path: /health}}
                """.formatted(priv.activeLocalPort(), pub.activeLocalPort()));
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"), "--gslb-config", config.toString(),
                "--gslb-dns-port", "0", "--gslb-http-port", "0")) {
            privateHealthy.set(false);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(server.nuri("events", "-n", "gslb").out())
                    .contains("SiteDown").contains("site private"));
            privateHealthy.set(true);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(server.nuri("events", "-n", "gslb").out())
                    .contains("SiteUp"));
        }
    }

    @Test
    void aBadConfigNamesTheFileAndTheFieldAndStartsNothing() throws Exception {
        Path config = tmp.resolve("bad.yaml");
        Files.writeString(config, """
                apiVersion: nuri.io/v1
                kind: GlobalService
                metadata: {name: portal}
                spec:
                  hostnames: [portal.egov.test]
                  sites: [{name: a, address: not-an-ip, port: 80}]
                """);
        Path log = tmp.resolve("bad.log");
        Process p = nuri(log, "gslb", "--config", config.toString(), "--data-dir", tmp.resolve("g").toString());
        String out = run(log, p);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains(config.toString()).contains("spec.sites[0].address").contains("IPv4 or IPv6");
        assertThat(tmp.resolve("g/server.json")).doesNotExist();
    }

    @Test
    void hybridDemoMovesEveryUserToThePublicSiteAndBack() throws Exception {
        Path spec = tmp.resolve("portal.yaml");
        Files.writeString(spec, TestApps.sample("portal").replicas(1).readinessEvery(1).route("/").yaml());
        Path log = tmp.resolve("demo.log");
        Process demo = nuri(log, "demo", "hybrid", "--script", "--phase-seconds", "6", "--dir", tmp.resolve("sites").toString(),
                "--spec", spec.toString(), "--dns-port", "0", "--http-port", "0", "--gateway-port", "18080");
        assertThat(demo.waitFor(300, TimeUnit.SECONDS)).as("demo finished").isTrue();
        String out = Files.readString(log);
        assertThat(demo.exitValue()).as(out).isZero();
        assertThat(out).contains("private site killed").contains("(DOWN)").contains("private site is back")
                .containsPattern("done: \\d+ requests, 0 failed; failover took \\d");
        // Every instance the two sites ran is gone (the killed site was restarted to stop its own).
        await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.allProcesses()
                .noneMatch(h -> h.info().commandLine().orElse("").contains(tmp.resolve("sites").toString())));
    }
}
