package io.nuri.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.nuri.api.spec.Traffic;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The gateway as a hop of a W3C trace: what the instance receives and what the APM is told. */
class TracingTest extends GatewayTestSupport {
    private static final Traffic RR = traffic(Traffic.LoadBalancer.roundRobin);

    static String header(AggregatedHttpResponse res, String name) {
        for (String line : res.contentUtf8().split("\n")) {
            if (line.startsWith(name + ": ")) {
                return line.substring(name.length() + 2);
            }
        }
        return null;
    }

    @Test
    void anIncomingTraceIsContinuedUpstreamAndRecordedInTheSample() {
        final Backend web = backend("web");
        final List<RequestSample> samples = new CopyOnWriteArrayList<>();
        final List<RequestStart> starts = new CopyOnWriteArrayList<>();
        final Gateway gw = gateway(b -> b.requestListener(samples::add).requestStartListener(s -> {
            starts.add(s);
            return null;
        }));
        gw.update(table(app("web", RR, web.endpoint("web"))));

        final AggregatedHttpResponse res = get(gw, "any", "/hello", "traceparent", TraceContextTest.VALID,
                "tracestate", "rojo=00f067aa0ba902b7,nuri=aaaabbbbccccdddd");
        assertThat(res.status().code()).isEqualTo(200);
        final String sent = header(res, "traceparent");
        assertThat(sent).matches("00-" + TraceContextTest.TRACE + "-[0-9a-f]{16}-01");
        final String span = sent.substring(36, 52);
        assertThat(header(res, "tracestate")).isEqualTo("nuri=" + span + ",rojo=00f067aa0ba902b7");

        await().atMost(Duration.ofSeconds(5)).until(() -> samples.size() == 1);
        final RequestSample s = samples.get(0);
        assertThat(s.traceId()).isEqualTo(TraceContextTest.TRACE);
        assertThat(s.spanId()).isEqualTo(span);
        assertThat(s.parentSpanId()).isEqualTo(TraceContextTest.PARENT);
        assertThat(s.callerSpanId()).isEqualTo("aaaabbbbccccdddd");
        // The span id names its app for the service map; the caller's id is not one this gateway issued.
        assertThat(gw.appOfSpan(span)).isEqualTo(s.appKey()).isEqualTo(s.namespace() + "/web");
        assertThat(gw.appOfSpan("aaaabbbbccccdddd")).isNull();
        // The start hook knows the span before the instance answers (the service map needs it then).
        assertThat(starts).singleElement().satisfies(st -> {
            assertThat(st.traceId()).isEqualTo(TraceContextTest.TRACE);
            assertThat(st.spanId()).isEqualTo(span);
        });
    }

    @Test
    void withoutOrWithAnInvalidTraceparentEachRequestStartsItsOwnTrace() {
        final Backend web = backend("web");
        final List<RequestSample> samples = new CopyOnWriteArrayList<>();
        final Gateway gw = gateway(b -> b.requestListener(samples::add));
        gw.update(table(app("web", RR, web.endpoint("web"))));

        final String a = header(get(gw, "any", "/a"), "traceparent");
        final String b = header(get(gw, "any", "/b", "traceparent", "00-" + "0".repeat(32) + "-" + TraceContextTest.PARENT + "-01",
                "tracestate", "rojo=1"), "traceparent");
        assertThat(a).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        assertThat(b).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        assertThat(a.substring(3, 35)).isNotEqualTo(b.substring(3, 35));
        await().atMost(Duration.ofSeconds(5)).until(() -> samples.size() == 2);
        for (RequestSample s : samples) {
            assertThat(s.parentSpanId()).isNull();
            assertThat(s.callerSpanId()).isNull();
            assertThat(s.traceId()).isIn(a.substring(3, 35), b.substring(3, 35));
        }
    }

    @Test
    void aRequestWithNoReadyInstanceStillGetsATraceId() {
        final List<RequestSample> samples = new CopyOnWriteArrayList<>();
        final Gateway gw = gateway(b -> b.requestListener(samples::add));
        gw.update(table(app("web", RR)));
        assertThat(get(gw, "any", "/", "traceparent", TraceContextTest.VALID).status().code()).isEqualTo(503);
        await().atMost(Duration.ofSeconds(5)).until(() -> samples.size() == 1);
        assertThat(samples.get(0).traceId()).isEqualTo(TraceContextTest.TRACE);
        assertThat(samples.get(0).parentSpanId()).isEqualTo(TraceContextTest.PARENT);
    }
}
