package io.nuri.apm;

/**
 * One request as the APM keeps it (Scouter's XLog entry).
 *
 * @param status 0 when the exchange failed before a response (counted as an error)
 * @param userKey who made it (a session cookie or header value), else the client address
 * @param traceId the W3C trace id; null when not traced
 * @param spanId the gateway's span for this request; null when not traced
 * @param parentSpanId the caller's span from its traceparent; null when the trace started at the gateway
 * @param callerSpanId the gateway span the calling app was serving (tracestate); null for outside callers
 */
public record Transaction(long timeMillis, String method, String path, int status, long durationMicros, String instance,
        int revision, String client, String userKey, String traceId, String spanId, String parentSpanId,
        String callerSpanId) {
    /** Without span ids (untraced). */
    public Transaction(long timeMillis, String method, String path, int status, long durationMicros, String instance,
            int revision, String client, String userKey, String traceId) {
        this(timeMillis, method, path, status, durationMicros, instance, revision, client, userKey, traceId, null, null, null);
    }

    /** A 5xx or a request the gateway could not answer: an error for the error rate and APDEX. */
    public boolean error() {
        return status >= 500 || status == 0;
    }

    public double durationMillis() {
        return durationMicros / 1000.0;
    }
}
