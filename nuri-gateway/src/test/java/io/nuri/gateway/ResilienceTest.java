package io.nuri.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.nuri.api.model.Endpoint;
import io.nuri.api.spec.Traffic;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ResilienceTest extends GatewayTestSupport {
    private static final Traffic RR = traffic(Traffic.LoadBalancer.roundRobin);

    static Endpoint deadEndpoint(String id) throws Exception {
        final int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        return new Endpoint(id, "default", "web", 1, "127.0.0.1", port, Instant.EPOCH, 100);
    }

    @Test
    void aRefusingEndpointIsEjectedAfterItsFirstFailureAndNoRequestFails() throws Exception {
        final Backend live = backend("live");
        final List<RequestSample> samples = new CopyOnWriteArrayList<>();
        final Gateway gw = gateway(b -> b.requestListener(samples::add));
        gw.update(table(app("web", RR, deadEndpoint("dead"), live.endpoint("web"))));
        final WebClient c = client(gw);
        for (int i = 0; i < 40; i++) {
            final AggregatedHttpResponse r = c.blocking().get("/");
            assertThat(r.status().code()).as(r.contentUtf8()).isEqualTo(200);
            assertThat(who(r)).isEqualTo("live");
        }
        org.awaitility.Awaitility.await().until(() -> samples.size() == 40);
        // Only the first request met the dead endpoint; after that it was out of rotation.
        assertThat(samples.stream().filter(RequestSample::retried).count()).isEqualTo(1);
        assertThat(samples).allSatisfy(s -> assertThat(s.instanceId()).isEqualTo("live"));
    }

    @Test
    void whenEveryEndpointIsEjectedTheyAreTriedAnyway() throws Exception {
        final long[] now = {0};
        final Gateway gw = gateway(b -> b.ticker(() -> now[0]));
        final Endpoint dead = deadEndpoint("dead");
        gw.update(table(app("web", RR, dead)));
        assertThat(client(gw).blocking().get("/").status().code()).isEqualTo(502);
        // Now the only endpoint is ejected; a backend comes up on its port: it is still tried.
        final Backend revived = new Backend("revived");
        try {
            gw.update(table(app("web", RR, new Endpoint("dead", "default", "web", 1, "127.0.0.1",
                    revived.port(), Instant.EPOCH, 100))));
            assertThat(client(gw).blocking().get("/").status().code()).isEqualTo(200);
        } finally {
            revived.close();
        }
    }

    @Test
    void aPostToADeadEndpointIsRetriedOnALiveOneWithItsBody() throws Exception {
        final Backend live = backend("live");
        final Gateway gw = gateway();
        gw.update(table(app("web", RR, deadEndpoint("dead"), live.endpoint("web"))));
        for (int i = 0; i < 4; i++) {
            final AggregatedHttpResponse r = client(gw).blocking()
                    .execute(HttpRequest.of(HttpMethod.POST, "/upload", MediaType.PLAIN_TEXT, "hello body"));
            assertThat(r.contentUtf8()).isEqualTo("live 10");
        }
    }

    @Test
    void aGetThatGets503IsRetriedButAPostIsNot() {
        final Backend a = backend("a");
        final Backend b = backend("b");
        final Gateway gw = gateway();
        gw.update(table(app("web", RR, a.endpoint("web"), b.endpoint("web"))));
        final AggregatedHttpResponse get = client(gw).blocking().get("/status/503");
        assertThat(get.status().code()).isEqualTo(503);
        assertThat(a.hits.get() + b.hits.get()).isEqualTo(2); // tried both, then gave the last answer

        final AggregatedHttpResponse post = client(gw).blocking()
                .execute(HttpRequest.of(HttpMethod.POST, "/status/503", MediaType.PLAIN_TEXT, "x"));
        assertThat(post.status().code()).isEqualTo(503);
        assertThat(a.hits.get() + b.hits.get()).isEqualTo(3);
    }

    @Test
    void theRetryBudgetStopsRetriesDuringATotalOutage() {
        final Backend a = backend("a");
        final Backend b = backend("b");
        final long[] now = {0};
        final Gateway gw = gateway(x -> x.ticker(() -> now[0]));
        final Traffic t = withRetries(RR, new Traffic.Retries(3, List.of("503"), 10, 2));
        gw.update(table(app("web", t, a.endpoint("web"), b.endpoint("web"))));
        final WebClient c = client(gw);
        for (int i = 0; i < 100; i++) {
            assertThat(c.blocking().get("/status/503").status().code()).isEqualTo(503);
        }
        // 100 originals; retries: 2 free in this second + 10% of 100 deposited = at most 12.
        final int hits = a.hits.get() + b.hits.get();
        assertThat(hits).isBetween(100, 112);
    }
}
