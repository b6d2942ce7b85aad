package io.nuri.api.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * How the gateway spreads an app's requests over its Ready instances ({@code spec.traffic}).
 *
 * @param loadBalancer {@code leastRequest} (default: fewest requests in flight, two random
 *     choices), {@code roundRobin}, or {@code weighted} (by each instance's cpu request)
 * @param warmupSeconds a new instance's share ramps from ~0 to full over this time (slow start);
 *     0 = full share at once. Default 10.
 * @param affinity session affinity for apps that keep sessions in memory; null = none
 * @param retries retry policy; never null once decoded
 * @param timeoutSeconds default per-request timeout, 30 unless set
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Traffic(LoadBalancer loadBalancer, double warmupSeconds, Affinity affinity, Retries retries,
        double timeoutSeconds) {

    public static final Traffic DEFAULTS = new Traffic(LoadBalancer.leastRequest, 10, null, Retries.DEFAULTS, 30);

    public enum LoadBalancer { leastRequest, roundRobin, weighted }

    /**
     * Exactly one way to pin a client to an instance; when the pinned instance is gone the request
     * goes to another one (and is pinned there).
     *
     * @param cookie the app's own session cookie (e.g. JSESSIONID): its value is hashed onto instances
     * @param gatewayCookie the gateway sets its own cookie ({@code NURI_AFFINITY}) naming the instance
     * @param header consistent hash of this request header's value
     * @param clientAddress consistent hash of the client address (X-Forwarded-For's first entry when present)
     */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record Affinity(String cookie, boolean gatewayCookie, String header, boolean clientAddress) {}

    /**
     * A request that never reached an instance (connect refused, reset before any response byte)
     * is always retried on another instance, whatever its method. Idempotent requests (GET, HEAD,
     * OPTIONS, PUT, DELETE) are also retried on the failures listed in {@code on}.
     *
     * @param attempts total tries per request, including the first (default 3)
     * @param on extra retry conditions for idempotent requests: {@code 502}, {@code 503},
     *     {@code 504}, {@code 5xx}, {@code reset} (after the request was sent), {@code timeout}
     * @param budgetPercent retries may add at most this share of the app's recent requests
     *     (default 20), so retries cannot multiply load during an outage
     * @param minRetriesPerSecond retries always allowed per second whatever the budget (default 3)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Retries(int attempts, List<String> on, double budgetPercent, int minRetriesPerSecond) {
        public static final Retries DEFAULTS = new Retries(3, List.of("502", "503"), 20, 3);

        public Retries {
            on = on == null ? List.of() : List.copyOf(on);
        }
    }
}
