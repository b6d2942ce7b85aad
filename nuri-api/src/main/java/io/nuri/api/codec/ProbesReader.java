package io.nuri.api.codec;

import static io.nuri.api.codec.NodeReader.atLeast;
import static io.nuri.api.codec.NodeReader.between;
import static io.nuri.api.codec.SpecDecoder.MAX_PROBE_SECONDS;
import static io.nuri.api.codec.SpecDecoder.MIN_PERIOD_SECONDS;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuri.api.spec.Probe;
import io.nuri.api.spec.Probes;
import java.util.List;

/** Reads {@code spec.probes}: startup, readiness and liveness, each with one action and its timings. */
final class ProbesReader {
    static final List<String> FIELDS = List.of("startup", "readiness", "liveness");
    static final List<String> PROBE_FIELDS = List.of("http", "tcp", "exec", "initialDelaySeconds",
            "periodSeconds", "timeoutSeconds", "failureThreshold", "successThreshold");
    static final List<String> ACTIONS = List.of("http", "tcp", "exec");
    static final List<String> HTTP_FIELDS = List.of("path");
    static final List<String> EXEC_FIELDS = List.of("command");

    private ProbesReader() {}

    static Probes read(NodeReader r) {
        if (r == null) {
            return new Probes(null, Probe.defaultReadiness(), null);
        }
        Probe startup = probe(r.object("startup", PROBE_FIELDS), "startup");
        Probe readiness = probe(r.object("readiness", PROBE_FIELDS), "readiness");
        Probe liveness = probe(r.object("liveness", PROBE_FIELDS), "liveness");
        return new Probes(startup, readiness == null ? Probe.defaultReadiness() : readiness, liveness);
    }

    private static Probe probe(NodeReader r, String kind) {
        if (r == null) {
            return null;
        }
        String actions = String.join(", ", ACTIONS);
        Fields.exactlyOne(r, ACTIONS.stream().filter(r::has).toList(), actions, actions);
        Probe.Http http = http(r.object("http", HTTP_FIELDS));
        Probe.Tcp tcp = tcp(r);
        Probe.Exec exec = exec(r.object("exec", EXEC_FIELDS));
        int initialDelay = r.integer("initialDelaySeconds", Probe.DEFAULT_INITIAL_DELAY_SECONDS,
                between(0, MAX_PROBE_SECONDS));
        double period = r.number("periodSeconds", Probe.DEFAULT_PERIOD_SECONDS, d -> d <= 0 ? "must be > 0"
                : d < MIN_PERIOD_SECONDS ? "must be at least " + MIN_PERIOD_SECONDS
                : d > MAX_PROBE_SECONDS ? "must be at most " + MAX_PROBE_SECONDS
                : null);
        double timeout = r.number("timeoutSeconds", Probe.DEFAULT_TIMEOUT_SECONDS, d -> d <= 0 ? "must be > 0"
                : d > MAX_PROBE_SECONDS ? "must be at most " + MAX_PROBE_SECONDS
                : null);
        int failure = r.integer("failureThreshold", Probe.DEFAULT_FAILURE_THRESHOLD, atLeast(1));
        int success = r.integer("successThreshold", Probe.DEFAULT_SUCCESS_THRESHOLD,
                kind.equals("readiness") ? atLeast(1)
                        : n -> n == 1 ? null : "must be 1 for " + kind + " probes");
        return new Probe(http, tcp, exec, initialDelay, period, timeout, failure, success);
    }

    private static Probe.Http http(NodeReader h) {
        if (h == null) {
            return null;
        }
        String path = h.string("path");
        if (path != null && !path.startsWith("/")) {
            h.error("path", "must start with '/', got " + Json.write(path));
        }
        return new Probe.Http(path == null ? "/" : path);
    }

    /** {@code tcp: {}} or {@code tcp: true}: the action has no fields. */
    private static Probe.Tcp tcp(NodeReader probe) {
        JsonNode t = probe.raw("tcp");
        if (t == null) {
            return null;
        }
        if (t.isObject()) {
            probe.object("tcp", List.of()); // reports any field inside
            return new Probe.Tcp();
        }
        if (t.isBoolean() && t.booleanValue()) {
            return new Probe.Tcp();
        }
        probe.error("tcp", "must be {} or true, got " + NodeReader.describe(t));
        return null;
    }

    private static Probe.Exec exec(NodeReader x) {
        if (x == null) {
            return null;
        }
        if (!x.has("command")) {
            Fields.required(x, "command");
            return new Probe.Exec(null);
        }
        List<String> command = x.strings("command");
        if (command != null && command.isEmpty()) {
            x.error("command", "must not be empty");
        }
        return new Probe.Exec(command);
    }
}
