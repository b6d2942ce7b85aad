package io.nuri.gateway.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;

class HttpsRedirectTest extends TlsTestSupport {

    @TempDir
    Path tmp;

    @Test
    void plainHttpGets308ToTheHttpsPortWithPathAndQuery() throws Exception {
        var c = cert(tmp, "localhost");
        Server s = server(TlsSetup.customizer(TlsOptions.builder().cert("*", c.certPem(), c.keyPem())
                                                        .redirectHttp(true).build()), true);
        int http = s.activeLocalPort(SessionProtocol.HTTP);
        int https = httpsPort(s);

        HttpClient plain = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                                     .connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> r = plain.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/a/b%20c?x=1&y=%2F")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(308);
        assertThat(r.headers().firstValue("location"))
                .hasValue("https://127.0.0.1:" + https + "/a/b%20c?x=1&y=%2F");

        // a POST keeps its method under 308; the Host header's name is kept, its port replaced
        String raw = rawHttp(http, "POST /submit?id=7 HTTP/1.1\r\nHost: shop.example.test:" + http
                                   + "\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
        assertThat(raw).startsWith("HTTP/1.1 308");
        assertThat(raw.toLowerCase()).contains("location: https://shop.example.test:" + https + "/submit?id=7\r\n");

        // IPv6 literal host
        raw = rawHttp(http, "GET / HTTP/1.1\r\nHost: [::1]:" + http + "\r\nConnection: close\r\n\r\n");
        assertThat(raw.toLowerCase()).contains("location: https://[::1]:" + https + "/\r\n");

        // following the redirect lands on the HTTPS port and is served
        HttpClient following = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                                         .sslContext(trusting(c.certPem())).build();
        HttpResponse<String> served = following.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + http + "/p?q=1")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.uri().toString()).isEqualTo("https://localhost:" + https + "/p?q=1");
        assertThat(served.body()).startsWith("ok h");
    }

    @Test
    void explicitPortAndDefaultPort443() throws Exception {
        Server s443 = server(sb -> sb.decorator(TlsSetup.redirectToHttps(443)), true);
        String raw = rawHttp(s443.activeLocalPort(SessionProtocol.HTTP),
                             "GET /x HTTP/1.1\r\nHost: example.test:8080\r\nConnection: close\r\n\r\n");
        assertThat(raw).startsWith("HTTP/1.1 308");
        assertThat(raw.toLowerCase()).contains("location: https://example.test/x\r\n");

        Server s8443 = server(sb -> sb.decorator(TlsSetup.redirectToHttps(8443)), true);
        raw = rawHttp(s8443.activeLocalPort(SessionProtocol.HTTP),
                      "GET /x?y HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n");
        assertThat(raw.toLowerCase()).contains("location: https://example.test:8443/x?y\r\n");
    }

    @Test
    void noRedirectUnlessAskedAndNeverOverTls() throws Exception {
        var c = cert(tmp, "localhost");
        Server s = server(TlsSetup.customizer(TlsOptions.builder().cert("*", c.certPem(), c.keyPem()).build()), true);
        String raw = rawHttp(s.activeLocalPort(SessionProtocol.HTTP),
                             "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertThat(raw).startsWith("HTTP/1.1 200");

        Server r = server(TlsSetup.customizer(TlsOptions.builder().cert("*", c.certPem(), c.keyPem())
                                                        .redirectHttp(true).build()), true);
        HttpClient tls = HttpClient.newBuilder().sslContext(trusting(c.certPem()))
                                   .followRedirects(HttpClient.Redirect.NEVER).build();
        HttpResponse<String> resp = tls.send(
                HttpRequest.newBuilder(URI.create("https://localhost:" + httpsPort(r) + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).isEqualTo(200);
    }

    /** Sends a raw HTTP/1.1 request; returns the response head (status line and headers). */
    private static String rawHttp(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            int b;
            while ((b = in.read()) != -1) {
                head.append((char) b);
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    break;
                }
            }
            return head.toString();
        }
    }
}
