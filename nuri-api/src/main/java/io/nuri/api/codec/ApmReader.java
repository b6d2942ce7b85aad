package io.nuri.api.codec;

import static io.nuri.api.codec.NodeReader.between;

import io.nuri.api.spec.ApmSpec;
import java.util.List;

/** Reads {@code spec.apm}: the APDEX threshold and how users are told apart (a cookie or a header). */
final class ApmReader {
    static final List<String> FIELDS = List.of("apdexThresholdMillis", "userCookie", "userHeader");

    private ApmReader() {}

    static ApmSpec read(NodeReader r) {
        if (r == null) {
            return ApmSpec.DEFAULTS;
        }
        int t = r.integer("apdexThresholdMillis", (int) ApmSpec.DEFAULTS.apdexThresholdMillis(), between(1, 600_000));
        String cookie = r.string("userCookie");
        String header = r.string("userHeader");
        if (cookie != null && header != null) {
            r.error("userHeader", "give userCookie or userHeader, not both");
        }
        if (cookie != null && !Fields.isToken(cookie)) {
            r.error("userCookie", "not a cookie name, got " + Json.write(cookie));
        }
        if (header != null && !Fields.isToken(header)) {
            r.error("userHeader", "not a header name, got " + Json.write(header));
        }
        return new ApmSpec(t, header == null && cookie == null ? ApmSpec.DEFAULTS.userCookie() : cookie, header);
    }
}
