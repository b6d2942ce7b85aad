package io.nuri.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpRequestWriter;
import com.linecorp.armeria.common.RequestHeaders;
import io.nuri.api.spec.Route;
import io.nuri.api.spec.Traffic;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

class LimitsTest extends GatewayTestSupport {
    private static final Traffic RR = traffic(Traffic.LoadBalancer.roundRobin);

    @Test
    void aTooLargeBodyGets413AndTooLargeHeadersGet431() throws Exception {
        final Backend web = backend("web");
        final Gateway gw = gateway(b -> b.maxRequestBodyBytes(1024).maxHeaderBytes(2048));
        gw.update(table(app("web", RR, web.endpoint("web"))));
        final HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        final URI uri = URI.create("http://127.0.0.1:" + gw.port() + "/upload");
        final HttpResponse<String> big = jdk.send(java.net.http.HttpRequest.newBuilder(uri)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[4096])).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(big.statusCode()).isEqualTo(413);
        final HttpResponse<String> headers = jdk.send(java.net.http.HttpRequest.newBuilder(uri)
                .header("x-big", "v".repeat(4096)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(headers.statusCode()).isEqualTo(431);
        final HttpResponse<String> ok = jdk.send(java.net.http.HttpRequest.newBuilder(uri)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[1000])).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ok.body()).isEqualTo("web 1000");
    }

    @Test
    void fiftyMegabytesStreamBothWaysWithoutBeingBuffered() {
        final Backend web = backend("web");
        final Gateway gw = gateway(b -> b.maxRequestBodyBytes(0));
        gw.update(table(app("web", RR, web.endpoint("web"))));
        final long size = 50L * 1024 * 1024;
        final Runtime rt = Runtime.getRuntime();

        // Upload in chunks, without Content-Length (not replayable: streamed once).
        final HttpRequestWriter up = HttpRequest.streaming(RequestHeaders.of(HttpMethod.POST, "/upload"));
        final var res = client(gw).execute(up).aggregate();
        final byte[] chunk = new byte[256 * 1024];
        for (long sent = 0; sent < size; sent += chunk.length) {
            up.write(HttpData.wrap(chunk));
            up.whenConsumed().join();
        }
        up.close();
        assertThat(res.join().contentUtf8()).isEqualTo("web " + size);

        // Download: count bytes as they arrive.
        final long[] received = {0};
        final long[] peakUsed = {0};
        client(gw).get("/download?bytes=" + size).subscribe(new org.reactivestreams.Subscriber<>() {
            org.reactivestreams.Subscription s;
            public void onSubscribe(org.reactivestreams.Subscription s) { this.s = s; s.request(1); }
            public void onNext(com.linecorp.armeria.common.HttpObject o) {
                if (o instanceof HttpData d) {
                    received[0] += d.length();
                }
                peakUsed[0] = Math.max(peakUsed[0], rt.totalMemory() - rt.freeMemory());
                s.request(1);
            }
            public void onError(Throwable t) { }
            public void onComplete() { }
        });
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> received[0] == size);
    }

    @Test
    void aSlowAppGets504AfterTheRouteTimeoutAndTheTrafficTimeoutAppliesOtherwise() {
        final Backend web = backend("web");
        final Gateway gw = gateway();
        final Traffic t = new Traffic(Traffic.LoadBalancer.roundRobin, 0, null, Traffic.Retries.DEFAULTS, 0.5);
        gw.update(table(app("web", t, List.of(new Route("*", "/quick", true, 0.2), new Route("*", "/", false, null)),
                web.endpoint("web"))));
        final AggregatedHttpResponse quick = client(gw).blocking().get("/quick/slow?ms=1000");
        assertThat(quick.status().code()).isEqualTo(504);
        assertThat(quick.contentUtf8()).isEqualTo("app default/web did not answer in time");
        assertThat(client(gw).blocking().get("/slow?ms=300").status().code()).isEqualTo(200);
        assertThat(client(gw).blocking().get("/slow?ms=1000").status().code()).isEqualTo(504);
    }

    @Test
    void http2ClientsAreServed() {
        final Backend web = backend("web");
        final Gateway gw = gateway();
        gw.update(table(app("web", RR, web.endpoint("web"))));
        final AggregatedHttpResponse r = WebClient.of("h2c://127.0.0.1:" + gw.port()).blocking().get("/");
        assertThat(who(r)).isEqualTo("web");
    }
}
