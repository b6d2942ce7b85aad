package io.nuri.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.nuri.api.spec.Route;
import io.nuri.api.spec.Traffic;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoutingTest extends GatewayTestSupport {

    @Test
    void hostAndLongestPrefixOnWholeSegmentsPickTheApp() {
        final Backend web = backend("web");
        final Backend api = backend("api");
        final Backend other = backend("other");
        final Gateway gw = gateway();
        final Traffic t = traffic(Traffic.LoadBalancer.roundRobin);
        gw.update(table(
                app("web", t, List.of(route("shop.example", "/")), web.endpoint("web")),
                app("api", t, List.of(route("shop.example", "/api")), api.endpoint("api")),
                app("other", t, List.of(route("*", "/api/v2"), route("*", "/")), other.endpoint("other"))));

        assertThat(who(get(gw, "shop.example", "/index.html"))).isEqualTo("web");
        assertThat(who(get(gw, "shop.example:8000", "/api"))).isEqualTo("api");
        assertThat(who(get(gw, "SHOP.example", "/api/orders?x=1"))).isEqualTo("api");
        assertThat(who(get(gw, "shop.example", "/apix"))).as("segment boundary").isEqualTo("web");
        assertThat(who(get(gw, "shop.example", "/api/v2/x"))).as("longer prefix on *").isEqualTo("other");
        assertThat(who(get(gw, "elsewhere.example", "/api"))).isEqualTo("other");
        assertThat(get(gw, "shop.example", "/api/orders?x=1").contentUtf8()).contains("\n/api/orders?x=1\n");
    }

    @Test
    void exactHostBeatsAnyHostOnTheSamePrefix() {
        final Backend a = backend("exact");
        final Backend b = backend("any");
        final Gateway gw = gateway();
        final Traffic t = traffic(Traffic.LoadBalancer.roundRobin);
        gw.update(table(app("any", t, List.of(route("*", "/x")), b.endpoint("any")),
                app("exact", t, List.of(route("a.example", "/x")), a.endpoint("exact"))));
        assertThat(who(get(gw, "a.example", "/x/1"))).isEqualTo("exact");
        assertThat(who(get(gw, "b.example", "/x/1"))).isEqualTo("any");
    }

    @Test
    void stripPrefixForwardsTheRestOfThePath() {
        final Backend api = backend("api");
        final Gateway gw = gateway();
        gw.update(table(app("api", traffic(Traffic.LoadBalancer.roundRobin),
                List.of(new Route("*", "/api/", true, null)), api.endpoint("api"))));
        assertThat(get(gw, "h", "/api/orders/7?q=1").contentUtf8()).contains("\n/orders/7?q=1\n");
        assertThat(get(gw, "h", "/api").contentUtf8()).contains("\n/\n");
    }

    @Test
    void noRouteIs404AndNoReadyInstanceIs503WithAPlainReason() {
        final Gateway gw = gateway();
        gw.update(table(app("empty", traffic(Traffic.LoadBalancer.roundRobin), List.of(route("*", "/e")))));
        final AggregatedHttpResponse notFound = get(gw, "nowhere.example", "/x");
        assertThat(notFound.status().code()).isEqualTo(404);
        assertThat(notFound.contentUtf8()).isEqualTo("no route for nowhere.example/x");
        assertThat(notFound.headers().contentType().toString()).startsWith("text/plain");
        final AggregatedHttpResponse unavailable = get(gw, "h", "/e/1");
        assertThat(unavailable.status().code()).isEqualTo(503);
        assertThat(unavailable.contentUtf8()).isEqualTo("no ready instance of app default/empty");
    }

    @Test
    void forwardedHeadersAndRequestIdAreSetAndKept() {
        final Backend web = backend("web");
        final Gateway gw = gateway();
        gw.update(table(app("web", traffic(Traffic.LoadBalancer.roundRobin), web.endpoint("web"))));

        final AggregatedHttpResponse res = get(gw, "shop.example:8000", "/", "x-forwarded-for", "10.0.0.1");
        final String body = res.contentUtf8();
        assertThat(body).contains("x-forwarded-for: 10.0.0.1, 127.0.0.1\n")
                .contains("x-forwarded-proto: http\n")
                .contains("x-forwarded-host: shop.example:8000\n")
                .contains("host: shop.example:8000\n");
        final String id = res.headers().get("x-request-id");
        assertThat(id).hasSize(32);
        assertThat(body).contains("x-request-id: " + id + "\n");

        final AggregatedHttpResponse kept = get(gw, "h", "/", "x-request-id", "abc-123");
        assertThat(kept.headers().get("x-request-id")).isEqualTo("abc-123");
        assertThat(kept.contentUtf8()).contains("x-request-id: abc-123\n");
        assertThat(get(gw, "nowhere", "/").headers().get("x-request-id")).hasSize(32);
    }
}
