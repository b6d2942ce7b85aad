package io.nuri.gateway;

/**
 * A routed request the gateway is about to send to an instance, for the APM's in-flight view
 * (how many requests of an app are under way and for how long). Emitted on an event loop before
 * the first attempt; listeners must not block.
 *
 * @param namespace the app's namespace
 * @param app the app's name
 * @param appKey "namespace/app" (as in {@link RequestSample#appKey()})
 * @param startNanos {@link System#nanoTime()} when the request arrived (as in {@link RequestSample#startNanos()})
 * @param traceId the exchange's W3C trace id; null when not traced (WebSocket)
 * @param spanId the gateway's span for the exchange (as in {@link RequestSample#spanId()}); null when not traced
 */
public record RequestStart(String namespace, String app, String appKey, String method, String path, long startNanos, String traceId,
        String spanId) {}
