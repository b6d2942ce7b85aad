package io.nuri.gslb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import io.nuri.gslb.spec.GlobalServiceDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP front end: weighted spread, and a site killed under continuous load costs no request. */
class GslbHttpTest {
    SiteBackend privateSite;
    SiteBackend publicSite;
    Gslb gslb;

    private void start(String policy, int privateWeight, int publicWeight) throws Exception {
        privateSite = new SiteBackend("private", "127.0.0.2");
        publicSite = new SiteBackend("public", "127.0.0.3");
        String yaml = """
                apiVersion: nuri.io/v1
                kind: GlobalService
                metadata: {name: portal}
                spec:
                  hostnames: [portal.egov.test]
                  policy: %s
                  sites:
                    - {name: private, address: 127.0.0.2, port: %d, weight: %d, healthCheck: {path: /health}}
                    - {name: public, address: 127.0.0.3, port: %d, weight: %d, healthCheck: {path: /health}}
                """.formatted(policy, privateSite.port(), privateWeight, publicSite.port(), publicWeight);
        gslb = Gslb.builder().services(GlobalServiceDecoder.decode("gslb.yaml", yaml))
                .dnsPort(-1).httpPort(0).statusPort(-1).start();
    }

    @AfterEach
    void stop() {
        if (gslb != null) {
            gslb.close();
        }
        if (privateSite != null) {
            privateSite.close();
            publicSite.close();
        }
    }

    private AggregatedHttpResponse get(WebClient client, String path) {
        return client.execute(RequestHeaders.of(HttpMethod.GET, path, HttpHeaderNames.HOST, "portal.egov.test"))
                .aggregate().join();
    }

    @Test
    void requestsSplitByWeightAndKeepTheHost() throws Exception {
        start("weighted", 30, 70);
        WebClient client = WebClient.of("http://127.0.0.1:" + gslb.httpPort());
        int toPrivate = 0;
        for (int i = 0; i < 1000; i++) {
            AggregatedHttpResponse r = get(client, "/hello");
            assertThat(r.status().code()).isEqualTo(200);
            if (r.contentUtf8().equals("private")) {
                toPrivate++;
            }
        }
        assertThat(toPrivate).isBetween(228, 372); // Binomial(1000, 0.3) +- 5 sd
        assertThat(privateSite.requests.get() + publicSite.requests.get()).isEqualTo(1000);
    }

    @Test
    void aSiteKilledUnderLoadCostsNoRequest() throws Exception {
        start("weighted", 50, 50);
        WebClient client = WebClient.builder("http://127.0.0.1:" + gslb.httpPort())
                .responseTimeout(Duration.ofSeconds(30)).build();
        AtomicInteger ok = new AtomicInteger();
        AtomicLong afterKillToPublic = new AtomicLong();
        List<String> failures = new ArrayList<>();
        ConcurrentHashMap<String, Integer> bySite = new ConcurrentHashMap<>();
        long end = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        AtomicInteger killed = new AtomicInteger();
        List<Thread> loaders = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            loaders.add(Thread.ofPlatform().start(() -> {
                for (int n = 0; n < 20_000 && System.nanoTime() < end; n++) { // bounded in time and count
                    try {
                        AggregatedHttpResponse r = get(client, "/load");
                        if (r.status().code() != 200) {
                            synchronized (failures) {
                                failures.add(r.status() + " " + r.contentUtf8());
                            }
                        } else {
                            ok.incrementAndGet();
                            bySite.merge(r.contentUtf8(), 1, Integer::sum);
                            if (killed.get() == 1 && r.contentUtf8().equals("public")) {
                                afterKillToPublic.incrementAndGet();
                            }
                        }
                    } catch (RuntimeException e) {
                        synchronized (failures) {
                            failures.add(e.toString());
                        }
                    }
                }
            }));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> ok.get() > 200);
        privateSite.stop(); // the site dies: its listener is gone, connections refused
        killed.set(1);
        for (Thread t : loaders) {
            t.join(60_000);
        }
        assertThat(failures).as("failed requests").isEmpty();
        assertThat(afterKillToPublic.get()).isGreaterThan(0);
        assertThat(bySite).containsKeys("private", "public");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(gslb.status().services().get(0).sites().get(0).up()).isFalse());
    }

    @Test
    void failoverPolicySendsEverythingToTheFirstHealthySite() throws Exception {
        start("failover", 1, 1);
        WebClient client = WebClient.of("http://127.0.0.1:" + gslb.httpPort());
        for (int i = 0; i < 50; i++) {
            assertThat(get(client, "/").contentUtf8()).isEqualTo("private");
        }
        privateSite.healthy.set(false);
        await().atMost(Duration.ofSeconds(20)).until(() -> get(client, "/").contentUtf8().equals("public"));
        for (int i = 0; i < 50; i++) {
            assertThat(get(client, "/").contentUtf8()).isEqualTo("public");
        }
    }
}
