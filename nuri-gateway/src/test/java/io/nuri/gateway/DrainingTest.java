package io.nuri.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.nuri.api.spec.Traffic;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DrainingTest extends GatewayTestSupport {
    private static final Traffic LR = traffic(Traffic.LoadBalancer.leastRequest);

    @Test
    void inflightCountsASlowRequestEvenAfterTheInstanceLeftTheTableAndReturnsToZero() {
        final Backend web = backend("web");
        final Backend other = backend("other");
        final Gateway gw = gateway();
        gw.update(table(app("web", LR, web.endpoint("web"))));
        final CompletableFuture<AggregatedHttpResponse> slow = client(gw).get("/slow?ms=800").aggregate();
        await().until(() -> gw.inflight("web") == 1);
        gw.update(table(app("web", LR, other.endpoint("web")))); // web is draining now
        assertThat(gw.inflight("web")).isEqualTo(1);
        assertThat(who(client(gw).blocking().get("/"))).isEqualTo("other");
        assertThat(slow.join().status().code()).isEqualTo(200);
        await().until(() -> gw.inflight("web") == 0);
        assertThat(gw.inflight("never-seen")).isZero();
    }

    @Test
    void updateSwapsTablesUnderConcurrentLoadWithoutAFailedRequest() throws Exception {
        final Backend a = backend("a");
        final Backend b = backend("b");
        final Backend c = backend("c");
        final Gateway gw = gateway();
        gw.update(table(app("web", LR, a.endpoint("web"), b.endpoint("web"))));
        final WebClient client = client(gw);
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger ok = new AtomicInteger();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final Thread[] loaders = new Thread[4];
        for (int i = 0; i < loaders.length; i++) {
            loaders[i] = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    final AggregatedHttpResponse r = client.blocking().get("/");
                    if (r.status().code() == 200) {
                        ok.incrementAndGet();
                    } else {
                        failures.add(r.status() + " " + r.contentUtf8());
                    }
                }
            });
        }
        final Backend[][] sets = {{a, b}, {b, c}, {c}, {a, c}, {a, b, c}, {b}};
        for (int round = 0; round < 30; round++) {
            final Backend[] set = sets[round % sets.length];
            gw.update(table(app("web", LR, java.util.Arrays.stream(set).map(x -> x.endpoint("web"))
                    .toArray(io.nuri.api.model.Endpoint[]::new))));
            gw.update(table(app("web", LR, java.util.Arrays.stream(set).map(x -> x.endpoint("web"))
                    .toArray(io.nuri.api.model.Endpoint[]::new)))); // same content again: a no-op
            Thread.sleep(20);
        }
        stop.set(true);
        for (Thread t : loaders) {
            t.join();
        }
        assertThat(failures).isEmpty();
        assertThat(ok.get()).isGreaterThan(100);
    }
}
