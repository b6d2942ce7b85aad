package io.nuri.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing and continuing W3C traceparent / tracestate (https://www.w3.org/TR/trace-context/). */
class TraceContextTest {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT = "00f067aa0ba902b7";
    static final String VALID = "00-" + TRACE + "-" + PARENT + "-01";

    static RequestHeaders headers(String... kv) {
        final var b = RequestHeaders.builder(HttpMethod.GET, "/");
        for (int i = 0; i < kv.length; i += 2) {
            b.add(kv[i], kv[i + 1]);
        }
        return b.build();
    }

    @Test
    void aValidTraceparentIsContinuedWithTheGatewaysSpanAsParent() {
        final TraceContext t = TraceContext.from(headers("traceparent", VALID));
        assertThat(t.traceId()).isEqualTo(TRACE);
        assertThat(t.parentSpanId()).isEqualTo(PARENT);
        assertThat(t.spanId()).matches("[0-9a-f]{16}").isNotEqualTo(PARENT).isNotEqualTo("0000000000000000");
        assertThat(t.traceparent()).isEqualTo("00-" + TRACE + "-" + t.spanId() + "-01");
        assertThat(t.tracestate()).isEqualTo("nuri=" + t.spanId());
        assertThat(t.callerSpanId()).isNull();
    }

    @Test
    void theSampledFlagIsKeptAndOtherFlagBitsAreCleared() {
        assertThat(TraceContext.from(headers("traceparent", "00-" + TRACE + "-" + PARENT + "-00")).traceparent()).endsWith("-00");
        assertThat(TraceContext.from(headers("traceparent", "00-" + TRACE + "-" + PARENT + "-03")).traceparent()).endsWith("-01");
        assertThat(TraceContext.from(headers("traceparent", "00-" + TRACE + "-" + PARENT + "-fe")).traceparent()).endsWith("-00");
    }

    @Test
    void aFutureVersionIsReadAsVersion00AndSentAs00() {
        final TraceContext t = TraceContext.from(headers("traceparent", "cc-" + TRACE + "-" + PARENT + "-01-what-comes-next"));
        assertThat(t.traceId()).isEqualTo(TRACE);
        assertThat(t.parentSpanId()).isEqualTo(PARENT);
        assertThat(t.traceparent()).startsWith("00-" + TRACE + "-");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "garbage", "00-" + TRACE + "-" + PARENT + "-0", // short
        "00-" + TRACE + "-" + PARENT + "-01-", // version 00 must be exactly 55 characters
        "ff-" + TRACE + "-" + PARENT + "-01", // version ff is invalid
        "00-00000000000000000000000000000000-" + PARENT + "-01", // all-zero trace id
        "00-" + TRACE + "-0000000000000000-01", // all-zero parent id
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-" + PARENT + "-01", // uppercase
        "00-" + TRACE + "-" + PARENT + "-0g", // not hex
        "00_" + TRACE + "-" + PARENT + "-01", // wrong separator
        "cc-" + TRACE + "-" + PARENT + "-01.more", // a longer future version needs '-' after the flags
    })
    void anInvalidTraceparentStartsANewSampledTraceAndDropsTracestate(String bad) {
        final TraceContext t = TraceContext.from(headers("traceparent", bad, "tracestate", "congo=t61rcWkgMzE"));
        assertThat(t.traceId()).matches("[0-9a-f]{32}").isNotEqualTo(TRACE);
        assertThat(t.parentSpanId()).isNull();
        assertThat(t.traceparent()).isEqualTo("00-" + t.traceId() + "-" + t.spanId() + "-01");
        assertThat(t.tracestate()).isEqualTo("nuri=" + t.spanId());
    }

    @Test
    void twoTraceparentHeadersAreInvalid() {
        final TraceContext t = TraceContext.from(headers("traceparent", VALID, "traceparent", VALID));
        assertThat(t.traceId()).isNotEqualTo(TRACE);
        assertThat(t.parentSpanId()).isNull();
    }

    @Test
    void noTraceparentStartsATrace() {
        final TraceContext a = TraceContext.from(headers());
        final TraceContext b = TraceContext.from(headers());
        assertThat(a.traceId()).matches("[0-9a-f]{32}").isNotEqualTo(b.traceId());
        assertThat(a.spanId()).matches("[0-9a-f]{16}");
        assertThat(a.parentSpanId()).isNull();
    }

    @Test
    void tracestatePutsOurEntryFirstKeepsOthersInOrderAndReadsTheCallersGatewaySpan() {
        final TraceContext t = TraceContext.from(headers("traceparent", VALID,
                "tracestate", "rojo=00f067aa0ba902b7, nuri=1111222233334444", "tracestate", "congo=t61rcWkgMzE,,acme@vendor=x"));
        assertThat(t.callerSpanId()).isEqualTo("1111222233334444");
        assertThat(t.tracestate()).isEqualTo("nuri=" + t.spanId() + ",rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,acme@vendor=x");
    }

    @Test
    void aMalformedTracestateIsNotPassedOnButTheTraceContinues() {
        for (String bad : new String[] {"Upper=1", "=v", "k=", "k=a,b", "k=v=w", "a@=1", "k=" + "x".repeat(600)}) {
            final TraceContext t = TraceContext.from(headers("traceparent", VALID, "tracestate", bad));
            assertThat(t.traceId()).as(bad).isEqualTo(TRACE);
            assertThat(t.tracestate()).as(bad).isEqualTo("nuri=" + t.spanId());
            assertThat(t.callerSpanId()).isNull();
        }
    }

    @Test
    void tracestateKeepsAtMost32Members() {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            sb.append(i == 0 ? "" : ",").append("k").append(i).append("=v");
        }
        final TraceContext t = TraceContext.from(headers("traceparent", VALID, "tracestate", sb.toString()));
        final String[] members = t.tracestate().split(",");
        assertThat(members).hasSize(32);
        assertThat(members[0]).isEqualTo("nuri=" + t.spanId());
        assertThat(members[31]).isEqualTo("k30=v"); // dropped from the right
    }

    @Test
    void aNuriEntryThatIsNotASpanIdIsIgnored() {
        final TraceContext t = TraceContext.from(headers("traceparent", VALID, "tracestate", "nuri=hello"));
        assertThat(t.callerSpanId()).isNull();
        assertThat(t.tracestate()).isEqualTo("nuri=" + t.spanId());
    }
}
