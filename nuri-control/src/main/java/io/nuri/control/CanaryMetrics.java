package io.nuri.control;

import java.time.Instant;

/**
 * What the gateway saw of one revision of an app since a moment: the controller reads it to
 * judge a canary ({@code spec.rollout.canary}). The server feeds it from the gateway's request
 * samples; without a gateway ({@link #NONE}) every window is empty, so a canary passes with "no
 * requests seen".
 */
@FunctionalInterface
public interface CanaryMetrics {
    /** No gateway: nothing is ever seen. */
    CanaryMetrics NONE = (namespace, app, revision, since) -> Window.EMPTY;

    /** Requests answered by instances of {@code revision} of the app that completed at or after {@code since}. */
    Window stats(String namespace, String app, int revision, Instant since);

    /**
     * @param requests completed requests
     * @param errors 5xx answers and requests that failed without an answer
     * @param p95Millis 95th percentile duration in milliseconds (0 when no request)
     */
    record Window(long requests, long errors, double p95Millis) {
        public static final Window EMPTY = new Window(0, 0, 0);

        /** Errors per 100 requests; 0 when there was no request. */
        public double errorRatePercent() {
            return requests == 0 ? 0 : 100.0 * errors / requests;
        }
    }
}
