package io.nuri.gateway;

/**
 * One completed request through the gateway, for the APM. Emitted once per request after the
 * response completed (or failed), on an event loop: listeners must not block.
 *
 * @param namespace the app's namespace; null when no route matched
 * @param app the app's name; null when no route matched
 * @param appKey "namespace/app", one string per app and routing update (a map key that costs no
 *     concatenation per request); null when no route matched
 * @param instanceId the instance of the last attempt; null when none was tried
 * @param revision that instance's revision; 0 when none was tried
 * @param status the status sent to the client; 0 when the exchange failed before response headers
 * @param startNanos {@link System#nanoTime()} when the request arrived
 * @param startEpochMicros the wall-clock time the request arrived (microseconds since the epoch), so a
 *     listener that runs later still knows when it happened ({@link #endMillis()})
 * @param durationNanos until the response completed
 * @param clientAddress the connected peer's address (not X-Forwarded-For)
 * @param retried whether more than one attempt was made
 * @param routePrefix the matched route's path prefix ("/" or "/a/b"); null when no route matched
 * @param responseBytes response body bytes sent to the client
 * @param requestHeaders the client's request headers as received (for user keys, trace context)
 * @param traceId W3C trace id (32 hex) of the exchange, continued from a valid incoming traceparent or
 *     new; null when no route matched or the request was a WebSocket upgrade
 * @param spanId the gateway's span id (16 hex) for this exchange, sent upstream as the traceparent's parent
 * @param parentSpanId the caller's span id from a valid incoming traceparent; null when the trace started here
 * @param callerSpanId the gateway span the caller was serving when it made this request, from the
 *     incoming tracestate's {@code nuri} entry (see TraceContext); null for a request from outside
 */
public record RequestSample(String namespace, String app, String appKey, String instanceId, int revision, String method,
        String path, int status, long startNanos, long startEpochMicros, long durationNanos, String clientAddress, boolean retried,
        String routePrefix, long responseBytes, com.linecorp.armeria.common.RequestHeaders requestHeaders,
        String traceId, String spanId, String parentSpanId, String callerSpanId) {

    /** The wall-clock time the exchange completed, in milliseconds since the epoch. */
    public long endMillis() {
        return (startEpochMicros + durationNanos / 1000) / 1000;
    }
}
