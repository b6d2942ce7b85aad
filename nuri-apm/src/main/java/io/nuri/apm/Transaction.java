package io.nuri.apm;

/**
 * One request as the APM keeps it (Scouter's XLog entry).
 *
 * @param status 0 when the exchange failed before a response (counted as an error)
 * @param userKey who made it (a session cookie or header value), else the client address
 */
public record Transaction(long timeMillis, String method, String path, int status, long durationMicros, String instance,
        int revision, String client, String userKey, String traceId) {
    /** A 5xx or a request the gateway could not answer: an error for the error rate and APDEX. */
    public boolean error() {
        return status >= 500 || status == 0;
    }

    public double durationMillis() {
        return durationMicros / 1000.0;
    }
}
