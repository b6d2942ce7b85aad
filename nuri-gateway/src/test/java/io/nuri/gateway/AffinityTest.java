package io.nuri.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.nuri.api.model.RoutingTable;
import io.nuri.api.spec.Traffic;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AffinityTest extends GatewayTestSupport {
    private static final Traffic RR = traffic(Traffic.LoadBalancer.roundRobin);

    @Test
    void appCookieSticksToTheInstanceThatIssuedItAndMovesWhenItLeaves() {
        final Backend a = backend("a");
        final Backend b = backend("b");
        final Backend c = backend("c");
        final Gateway gw = gateway();
        final Traffic t = withAffinity(RR, new Traffic.Affinity("JSESSIONID", false, null, false));
        final RoutingTable full = table(app("web", t, a.endpoint("web"), b.endpoint("web"), c.endpoint("web")));
        gw.update(full);
        final AggregatedHttpResponse login = get(gw, "h", "/cookie");
        final String issuer = who(login);
        final String session = login.headers().get("set-cookie").split(";")[0];
        for (int i = 0; i < 20; i++) {
            assertThat(who(get(gw, "h", "/", "cookie", session))).isEqualTo(issuer);
        }
        // Unknown session values are spread by consistent hash: always the same instance.
        final String hashed = who(get(gw, "h", "/", "cookie", "JSESSIONID=someone-else"));
        for (int i = 0; i < 10; i++) {
            assertThat(who(get(gw, "h", "/", "cookie", "JSESSIONID=someone-else"))).isEqualTo(hashed);
        }
        // The issuer leaves: the session goes elsewhere and stays there.
        final Backend[] rest = java.util.Arrays.stream(new Backend[] {a, b, c})
                .filter(x -> !x.name.equals(issuer)).toArray(Backend[]::new);
        gw.update(table(app("web", t, rest[0].endpoint("web"), rest[1].endpoint("web"))));
        final String moved = who(get(gw, "h", "/", "cookie", session));
        assertThat(moved).isNotEqualTo(issuer);
        for (int i = 0; i < 10; i++) {
            assertThat(who(get(gw, "h", "/", "cookie", session))).isEqualTo(moved);
        }
    }

    @Test
    void gatewayCookiePinsTheChosenInstanceAndRepinsWhenItIsGone() {
        final Backend a = backend("a");
        final Backend b = backend("b");
        final Gateway gw = gateway();
        final Traffic t = withAffinity(RR, new Traffic.Affinity(null, true, null, false));
        gw.update(table(app("web", t, a.endpoint("web"), b.endpoint("web"))));
        final AggregatedHttpResponse first = get(gw, "h", "/");
        final String cookie = first.headers().get("set-cookie");
        assertThat(cookie).startsWith("NURI_AFFINITY=" + who(first) + ";").contains("HttpOnly");
        final String pin = cookie.split(";")[0];
        for (int i = 0; i < 10; i++) {
            final AggregatedHttpResponse r = get(gw, "h", "/", "cookie", pin);
            assertThat(who(r)).isEqualTo(who(first));
            assertThat(r.headers().get("set-cookie")).isNull();
        }
        final Backend other = who(first).equals("a") ? b : a;
        gw.update(table(app("web", t, other.endpoint("web"))));
        final AggregatedHttpResponse repinned = get(gw, "h", "/", "cookie", pin);
        assertThat(who(repinned)).isEqualTo(other.name);
        assertThat(repinned.headers().get("set-cookie")).startsWith("NURI_AFFINITY=" + other.name + ";");
    }

    @Test
    void headerHashIsStablePerValueAndSpreadsValues() {
        final Backend a = backend("a");
        final Backend b = backend("b");
        final Backend c = backend("c");
        final Gateway gw = gateway();
        final Traffic t = withAffinity(RR, new Traffic.Affinity(null, false, "x-user", false));
        gw.update(table(app("web", t, a.endpoint("web"), b.endpoint("web"), c.endpoint("web"))));
        final Set<String> seen = new HashSet<>();
        for (int u = 0; u < 30; u++) {
            final String first = who(get(gw, "h", "/", "x-user", "user-" + u));
            assertThat(who(get(gw, "h", "/", "x-user", "user-" + u))).isEqualTo(first);
            seen.add(first);
        }
        assertThat(seen).hasSize(3);
    }

    @Test
    void clientAddressHashUsesTheFirstForwardedForEntryAndFallsBackWhenPinnedLeaves() {
        final Backend a = backend("a");
        final Backend b = backend("b");
        final Gateway gw = gateway();
        final Traffic t = withAffinity(RR, new Traffic.Affinity(null, false, null, true));
        gw.update(table(app("web", t, a.endpoint("web"), b.endpoint("web"))));
        final String first = who(get(gw, "h", "/", "x-forwarded-for", "203.0.113.9, 10.0.0.1"));
        for (int i = 0; i < 10; i++) {
            assertThat(who(get(gw, "h", "/", "x-forwarded-for", "203.0.113.9, 10.0.0." + i))).isEqualTo(first);
        }
        final Backend other = first.equals("a") ? b : a;
        gw.update(table(app("web", t, other.endpoint("web"))));
        assertThat(who(get(gw, "h", "/", "x-forwarded-for", "203.0.113.9"))).isEqualTo(other.name);
    }
}
