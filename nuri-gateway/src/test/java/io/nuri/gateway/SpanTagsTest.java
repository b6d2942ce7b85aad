package io.nuri.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import org.junit.jupiter.api.Test;

/** Span ids that name their app: issued with an app's bits, read back; foreign ids name nobody. */
class SpanTagsTest {
    static String spanOf(long bits) {
        return TraceContext.from(RequestHeaders.of(HttpMethod.GET, "/"), bits).spanId();
    }

    @Test
    void aSpanIdOfAnAppNamesThatAppAndEveryOtherIdNamesNobody() {
        final SpanTags tags = new SpanTags(0x1234);
        final long front = tags.bitsFor("default/front");
        final long back = tags.bitsFor("default/back");
        assertThat(tags.bitsFor("default/front")).isEqualTo(front); // stable per app
        assertThat(front).isNotEqualTo(back);
        for (int i = 0; i < 1000; i++) {
            final String f = spanOf(front);
            assertThat(f).hasSize(16).startsWith("1234");
            assertThat(tags.appOf(f)).isEqualTo("default/front");
            assertThat(tags.appOf(spanOf(back))).isEqualTo("default/back");
        }
        assertThat(tags.appOf(spanOf(0))).isNotEqualTo("default/front"); // random ids: mark mismatch (or 1 in 65,536, a free tag)
        assertThat(tags.appOf("1234ffff00000001")).isNull(); // our mark, a tag never handed out
        assertThat(tags.appOf("4321000100000001")).isNull(); // another gateway's mark
        assertThat(tags.appOf("not-hex-at-all!!")).isNull();
        assertThat(tags.appOf("1234")).isNull();
        assertThat(tags.appOf(null)).isNull();
        assertThatThrownBy(() -> new SpanTags(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void afterAllTagsAreTakenTheOldestIsReused() {
        final SpanTags tags = new SpanTags(7);
        final long first = tags.bitsFor("ns/app-0");
        for (int i = 1; i < 65_535; i++) {
            tags.bitsFor("ns/app-" + i);
        }
        assertThat(tags.appOf(String.format("%016x", first | 5))).isEqualTo("ns/app-0");
        final long reused = tags.bitsFor("ns/newcomer");
        assertThat(reused).isEqualTo(first);
        assertThat(tags.appOf(String.format("%016x", first | 5))).isEqualTo("ns/newcomer");
        assertThat(tags.bitsFor("ns/app-0")).isNotEqualTo(first); // a new tag for the old app if it comes back
    }
}
