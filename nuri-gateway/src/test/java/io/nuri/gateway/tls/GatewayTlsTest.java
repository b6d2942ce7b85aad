package io.nuri.gateway.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.ServerListener;

import io.nuri.gateway.Gateway;

/** The plug-in point as the gateway uses it: {@code Gateway.builder().serverCustomizer(...)}. */
class GatewayTlsTest {

    @TempDir
    Path tmp;

    @Test
    void gatewayServesHttpsAndRedirectsPlainHttp() throws Exception {
        TlsSetup tls = TlsSetup.create(TlsOptions.builder().selfSigned(tmp.resolve("tls")).redirectHttp(true).build());
        AtomicInteger httpsPort = new AtomicInteger();
        try (Gateway gw = Gateway.builder()
                                 .http(new InetSocketAddress("127.0.0.1", 0))
                                 .serverCustomizer(tls.serverCustomizer())
                                 .serverCustomizer(sb -> sb.serverListener(ServerListener.builder().whenStarted(
                                         s -> httpsPort.set(s.activeLocalPort(SessionProtocol.HTTPS))).build()))
                                 .build()) {
            gw.start();
            HttpClient client = HttpClient.newBuilder().sslContext(TlsTestSupport.trusting(tls.selfSignedCertificate().get()))
                                          .followRedirects(HttpClient.Redirect.NEVER).build();

            HttpResponse<String> plain = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/app?x=1")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(plain.statusCode()).isEqualTo(308);
            assertThat(plain.headers().firstValue("location")).hasValue("https://127.0.0.1:" + httpsPort.get() + "/app?x=1");

            // no routes: the gateway's own answer, but over TLS and HTTP/2
            HttpResponse<String> secure = client.send(
                    HttpRequest.newBuilder(URI.create("https://localhost:" + httpsPort.get() + "/app?x=1")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(secure.statusCode()).isNotEqualTo(308);
            assertThat(secure.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(secure.sslSession()).isPresent();
        }
    }
}
