package io.nuri.api.codec;

import static io.nuri.api.codec.NodeReader.between;
import static io.nuri.api.codec.SpecDecoder.MAX_TRAFFIC_SECONDS;
import static io.nuri.api.codec.SpecDecoder.RETRY_CONDITIONS;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuri.api.spec.Traffic;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code spec.traffic}: load balancer, warmup, session affinity, retries, request timeout. */
final class TrafficReader {
    static final List<String> FIELDS =
            List.of("loadBalancer", "warmupSeconds", "affinity", "retries", "timeoutSeconds");
    static final List<String> AFFINITY_FIELDS = List.of("cookie", "gatewayCookie", "header", "clientAddress");
    static final List<String> RETRIES_FIELDS = List.of("attempts", "on", "budgetPercent", "minRetriesPerSecond");

    private TrafficReader() {}

    static Traffic read(NodeReader r) {
        if (r == null) {
            return Traffic.DEFAULTS;
        }
        Traffic d = Traffic.DEFAULTS;
        Traffic.LoadBalancer lb = Fields.enumValue(r, "loadBalancer", Traffic.LoadBalancer.class, d.loadBalancer());
        double warmup = r.number("warmupSeconds", d.warmupSeconds(), Fields.numberBetween(0, MAX_TRAFFIC_SECONDS));
        Traffic.Affinity affinity = affinity(r.object("affinity", AFFINITY_FIELDS));
        Traffic.Retries retries = retries(r.object("retries", RETRIES_FIELDS));
        double timeout = r.number("timeoutSeconds", d.timeoutSeconds(), Fields.timeoutCheck());
        return new Traffic(lb, warmup, affinity, retries, timeout);
    }

    private static Traffic.Affinity affinity(NodeReader r) {
        if (r == null) {
            return null;
        }
        String cookie = token(r, "cookie", "cookie name");
        boolean gatewayCookie = r.bool("gatewayCookie", false);
        String header = token(r, "header", "header name");
        boolean clientAddress = r.bool("clientAddress", false);
        List<String> kinds = new ArrayList<>();
        if (r.has("cookie")) {
            kinds.add("cookie");
        }
        if (gatewayCookie) {
            kinds.add("gatewayCookie");
        }
        if (r.has("header")) {
            kinds.add("header");
        }
        if (clientAddress) {
            kinds.add("clientAddress");
        }
        Fields.exactlyOne(r, kinds, "cookie, gatewayCookie: true, header, clientAddress: true",
                "cookie, gatewayCookie, header, clientAddress");
        return new Traffic.Affinity(cookie, gatewayCookie, header, clientAddress);
    }

    /** A header or cookie name: an HTTP token (letters, digits and !#$%&'*+-.^_`|~). */
    private static String token(NodeReader r, String field, String what) {
        String s = r.string(field);
        if (s != null && !Fields.isToken(s)) {
            r.error(field, "must be a valid " + what + " (letters, digits and !#$%&'*+-.^_`|~), got " + Json.write(s));
            return null;
        }
        return s;
    }

    private static Traffic.Retries retries(NodeReader r) {
        Traffic.Retries d = Traffic.Retries.DEFAULTS;
        if (r == null) {
            return d;
        }
        int attempts = r.integer("attempts", d.attempts(), between(1, 10));
        List<String> on = retryConditions(r);
        double budget = r.number("budgetPercent", d.budgetPercent(), Fields.numberBetween(0, 100));
        int minPerSecond = r.integer("minRetriesPerSecond", d.minRetriesPerSecond(), between(0, 1000));
        return new Traffic.Retries(attempts, on == null ? d.on() : on, budget, minPerSecond);
    }

    /** {@code retries.on}: strings, or numbers for the status codes (502 reads as "502"). */
    private static List<String> retryConditions(NodeReader r) {
        JsonNode v = r.raw("on");
        if (v == null) {
            return null;
        }
        if (!v.isArray()) {
            r.error("on", "must be a list, got " + NodeReader.describe(v));
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            String text = e.isTextual() ? e.textValue() : e.isIntegralNumber() ? e.asText() : null;
            if (text == null || !RETRY_CONDITIONS.contains(text)) {
                r.error("on", i, "must be one of " + String.join(", ", RETRY_CONDITIONS)
                        + ", got " + NodeReader.describe(e));
            } else if (out.contains(text)) {
                r.error("on", i, "duplicate " + Json.write(text));
            } else {
                out.add(text);
            }
        }
        return out;
    }
}
