package io.nuri.gateway;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import io.nuri.api.model.Endpoint;
import io.nuri.api.model.RoutingTable;
import io.nuri.api.spec.Route;
import io.nuri.api.spec.Traffic;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;

/** Real backends and a real gateway on 127.0.0.1; everything a test starts is closed after it. */
abstract class GatewayTestSupport {
    private final List<AutoCloseable> started = new ArrayList<>();
    private long version;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        started.clear();
    }

    Backend backend(String name) {
        final Backend b = new Backend(name);
        started.add(b);
        return b;
    }

    Gateway gateway() {
        return gateway(b -> {});
    }

    Gateway gateway(Consumer<GatewayBuilder> customizer) {
        final GatewayBuilder b = Gateway.builder().http(new InetSocketAddress("127.0.0.1", 0)).eventLoopThreads(2);
        customizer.accept(b);
        final Gateway gw = b.build();
        started.add(gw);
        gw.start();
        return gw;
    }

    RoutingTable table(RoutingTable.AppRouting... apps) {
        return new RoutingTable(++version, List.of(apps));
    }

    static RoutingTable.AppRouting app(String name, Traffic traffic, List<Route> routes, Endpoint... endpoints) {
        return new RoutingTable.AppRouting("default", name, routes, traffic, List.of(endpoints));
    }

    static RoutingTable.AppRouting app(String name, Traffic traffic, Endpoint... endpoints) {
        return app(name, traffic, List.of(new Route("*", "/", false, null)), endpoints);
    }

    static Route route(String host, String path) {
        return new Route(host, path, false, null);
    }

    static Traffic traffic(Traffic.LoadBalancer lb) {
        return new Traffic(lb, 0, null, Traffic.Retries.DEFAULTS, 30);
    }

    static Traffic withAffinity(Traffic t, Traffic.Affinity a) {
        return new Traffic(t.loadBalancer(), t.warmupSeconds(), a, t.retries(), t.timeoutSeconds());
    }

    static Traffic withRetries(Traffic t, Traffic.Retries r) {
        return new Traffic(t.loadBalancer(), t.warmupSeconds(), t.affinity(), r, t.timeoutSeconds());
    }

    WebClient client(Gateway gw) {
        final WebClient c = WebClient.builder("http://127.0.0.1:" + gw.port())
                .maxResponseLength(0).responseTimeoutMillis(20_000).build();
        return c;
    }

    AggregatedHttpResponse get(Gateway gw, String host, String path, String... headers) {
        final var b = RequestHeaders.builder(HttpMethod.GET, path).authority(host);
        for (int i = 0; i < headers.length; i += 2) {
            b.add(headers[i], headers[i + 1]);
        }
        return client(gw).execute(b.build()).aggregate().join();
    }

    static String who(AggregatedHttpResponse res) {
        final String body = res.contentUtf8();
        final int nl = body.indexOf('\n');
        final String first = nl < 0 ? body : body.substring(0, nl);
        final int sp = first.indexOf(' ');
        return sp < 0 ? first : first.substring(0, sp);
    }

    /** A clock tests move by hand. */
    static final class ManualClock extends Clock {
        volatile long millis;

        ManualClock(Instant start) {
            millis = start.toEpochMilli();
        }

        void advanceSeconds(double s) {
            millis += Math.round(s * 1000);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public long millis() {
            return millis;
        }
    }
}
