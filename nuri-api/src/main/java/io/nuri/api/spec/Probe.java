package io.nuri.api.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One probe: exactly one action of {@code http}, {@code tcp}, {@code exec}, and its timing.
 * A probe fails after {@code failureThreshold} consecutive failures and passes after
 * {@code successThreshold} consecutive successes.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Probe(
        Http http,
        Tcp tcp,
        Exec exec,
        int initialDelaySeconds,
        double periodSeconds,
        double timeoutSeconds,
        int failureThreshold,
        int successThreshold) {

    /** GET {@code path} on the instance port; any 2xx or 3xx passes. */
    public record Http(String path) {}

    /** A TCP connect to the instance port passes. */
    public record Tcp() {}

    /** The command (argv) exits 0 within the timeout; it runs with the instance's env. */
    public record Exec(List<String> command) {
        public Exec {
            command = command == null ? List.of() : List.copyOf(command);
        }
    }

    public static final int DEFAULT_INITIAL_DELAY_SECONDS = 0;
    public static final double DEFAULT_PERIOD_SECONDS = 1;
    public static final double DEFAULT_TIMEOUT_SECONDS = 1;
    public static final int DEFAULT_FAILURE_THRESHOLD = 3;
    public static final int DEFAULT_SUCCESS_THRESHOLD = 1;

    /** The default readiness probe: TCP connect every second. */
    public static Probe defaultReadiness() {
        return new Probe(null, new Tcp(), null, DEFAULT_INITIAL_DELAY_SECONDS, DEFAULT_PERIOD_SECONDS,
                DEFAULT_TIMEOUT_SECONDS, DEFAULT_FAILURE_THRESHOLD, DEFAULT_SUCCESS_THRESHOLD);
    }
}
