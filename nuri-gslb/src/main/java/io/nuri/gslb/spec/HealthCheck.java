package io.nuri.gslb.spec;

/**
 * An active HTTP check of one site for one service. Success is a 2xx or 3xx answer within the
 * timeout; a site gateway answers 503 when the app has no ready instance, so a site with the app
 * down counts as down for that service even though the gateway itself is up.
 *
 * @param host the Host header sent (the site gateway routes by it); null means the service's
 *     first hostname
 */
public record HealthCheck(String path, String host, int intervalSeconds, int timeoutMillis,
        int unhealthyThreshold, int healthyThreshold) {
    public static final HealthCheck DEFAULT = new HealthCheck("/", null, 1, 1000, 2, 2);
}
