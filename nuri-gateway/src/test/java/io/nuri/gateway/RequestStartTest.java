package io.nuri.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.nuri.api.spec.Traffic;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The start hook: told before the request goes out, its end callback runs once the request ended. */
class RequestStartTest extends GatewayTestSupport {
    private static final Traffic RR = traffic(Traffic.LoadBalancer.roundRobin);

    @Test
    void aSlowRequestIsUnderWayBetweenStartAndEndAndEndsExactlyOnce() {
        final Backend web = backend("web");
        final List<RequestStart> starts = new CopyOnWriteArrayList<>();
        final AtomicInteger ended = new AtomicInteger();
        final List<RequestSample> samples = new CopyOnWriteArrayList<>();
        final Gateway gw = gateway(b -> b.requestStartListener(s -> {
            starts.add(s);
            return ended::incrementAndGet;
        }).requestListener(samples::add));
        gw.update(table(app("web", RR, web.endpoint("web"))));
        final WebClient c = client(gw);

        final CompletableFuture<AggregatedHttpResponse> slow = c.get("/slow?ms=800").aggregate();
        await().atMost(Duration.ofSeconds(5)).until(() -> starts.size() == 1);
        assertThat(ended.get()).isZero(); // still running at the instance
        assertThat(starts.get(0).namespace()).isEqualTo("default");
        assertThat(starts.get(0).app()).isEqualTo("web");
        assertThat(starts.get(0).path()).isEqualTo("/slow");
        assertThat(slow.join().status().code()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> ended.get() == 1 && samples.size() == 1);
        // The same start time the completed sample reports, so both views agree on the age.
        assertThat(samples.get(0).startNanos()).isEqualTo(starts.get(0).startNanos());

        // A failed exchange ends too.
        assertThat(c.blocking().get("/status/503").status().code()).isEqualTo(503);
        await().atMost(Duration.ofSeconds(5)).until(() -> ended.get() == 2);
        assertThat(starts).hasSize(2);
    }

    @Test
    void aRequestCutByTheClientEnds() {
        final Backend web = backend("web");
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger ended = new AtomicInteger();
        final Gateway gw = gateway(b -> b.requestStartListener(s -> {
            started.incrementAndGet();
            return ended::incrementAndGet;
        }));
        gw.update(table(app("web", RR, web.endpoint("web"))));
        final WebClient c = WebClient.builder("http://127.0.0.1:" + gw.port()).responseTimeoutMillis(300).build();
        final CompletableFuture<AggregatedHttpResponse> cut = c.get("/slow?ms=5000").aggregate();
        assertThat(cut).failsWithin(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> ended.get() == 1);
        assertThat(started.get()).isEqualTo(1);
    }
}
