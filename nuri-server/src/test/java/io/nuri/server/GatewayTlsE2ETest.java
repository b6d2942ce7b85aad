package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.nuri.api.codec.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's gateway terminates TLS with a self-signed certificate and redirects plain HTTP. */
class GatewayTlsE2ETest {
    @TempDir
    Path tmp;

    @Test
    void httpsWithASelfSignedCertificateReachesTheAppPlainHttpIsRedirectedAndLimitsApply() throws Exception {
        Path spec = tmp.resolve("web.yaml");
        Files.writeString(spec, TestApps.supervised("web").replicas(1).route("/").yaml());
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"), "--gateway-https-port", "0",
                "--gateway-self-signed", "--gateway-https-redirect", "--gateway-max-header-kib", "1",
                "--apply", spec.toString())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> server.readyInstances("web").size() == 1);
            JsonNode info = Json.MAPPER.readTree(Files.readString(tmp.resolve("data").resolve(NuriServer.SERVER_FILE)));
            String https = info.get("gatewayHttpsUrl").asText();
            String http = info.get("gatewayUrl").asText();
            assertThat(https).startsWith("https://127.0.0.1:");
            assertThat(tmp.resolve("data/tls")).isDirectory();

            try (ClientFactory insecure = ClientFactory.builder().tlsNoVerify().build()) {
                AggregatedHttpResponse r = WebClient.builder(https).factory(insecure).build().get("/version")
                        .aggregate().join();
                assertThat(r.status().code()).isEqualTo(200);
                assertThat(r.contentUtf8().trim()).isEqualTo("v1");

                AggregatedHttpResponse redirect = WebClient.of(http).get("/version?x=1").aggregate().join();
                assertThat(redirect.status().code()).isEqualTo(308);
                assertThat(redirect.headers().get("location")).isEqualTo(https + "/version?x=1");

                // --gateway-max-header-kib reaches the gateway: a 2 KiB header is refused with 431
                // (over HTTP/1.1: an HTTP/2 client already refuses to send it, seeing the limit in SETTINGS).
                AggregatedHttpResponse tooBig = WebClient.of(http.replace("http://", "h1c://"))
                        .execute(com.linecorp.armeria.common.RequestHeaders.builder(
                                com.linecorp.armeria.common.HttpMethod.GET, "/version").add("x-big", "a".repeat(2048)).build())
                        .aggregate().join();
                assertThat(tooBig.status().code()).isEqualTo(431);
            }
        }
    }
}
