package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nuri gateway} in its own process follows the server's routing table. */
class StandaloneGatewayE2ETest {
    @TempDir
    Path tmp;

    @Test
    void aStandaloneGatewayRoutesByHostAndPathToReadyInstancesAndFollowsChanges() throws Exception {
        Path spec = tmp.resolve("apps.yaml");
        Files.writeString(spec, TestApps.supervised("front").replicas(2).set("routes", "[{host: portal.go.kr, path: /}]").yaml()
                + "---\n" + TestApps.supervised("back").replicas(1).set("routes", "[{path: /api, stripPrefix: true}]")
                        .env("APP_VERSION", "api-v1").yaml());
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"), "--apply", spec.toString())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> server.readyInstances("front").size() == 2
                    && server.readyInstances("back").size() == 1);
            int port = io.nuri.runtime.Ports.freeLocalPort();
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), ServerMain.class.getName(), "gateway",
                    "--data-dir", tmp.resolve("data").toString(), "--port", Integer.toString(port), "--poll", "200")
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("gateway.log").toFile());
            Process gateway = pb.start();
            try {
                String base = "http://127.0.0.1:" + port;
                try {
                    await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                            .until(() -> get(base + "/version", "portal.go.kr").body().trim().equals("v1"));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    String last;
                    try {
                        Answer r = get(base + "/version", "portal.go.kr");
                        last = r.statusCode() + " " + r.body();
                    } catch (Exception x) {
                        last = x.toString();
                    }
                    throw new AssertionError("gateway never served (last: " + last + "); its log:\n"
                            + Files.readString(tmp.resolve("gateway.log")), e);
                }
                assertThat(get(base + "/api/version", "other.example").body().trim()).isEqualTo("api-v1");
                assertThat(get(base + "/version", "other.example").statusCode()).isEqualTo(404);

                // Scale the front to 0: the gateway hears of it and says there is nothing to serve.
                assertThat(server.nuri("scale", "app", "front", "--replicas", "0").code()).isZero();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> get(base + "/", "portal.go.kr").statusCode() == 503);
            } finally {
                gateway.destroy();
                if (!gateway.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    gateway.destroyForcibly();
                }
            }
        }
    }

    record Answer(int statusCode, String body) {}

    /** GET with a given Host header (the JDK client will not send a custom Host; Armeria's will). */
    private static Answer get(String url, String host) {
        URI uri = URI.create(url);
        var res = com.linecorp.armeria.client.WebClient.of("http://" + uri.getAuthority())
                .execute(com.linecorp.armeria.common.RequestHeaders.of(com.linecorp.armeria.common.HttpMethod.GET,
                        uri.getRawPath(), com.linecorp.armeria.common.HttpHeaderNames.HOST, host))
                .aggregate().join();
        return new Answer(res.status().code(), res.contentUtf8());
    }
}
