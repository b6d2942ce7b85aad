package io.nuri.control.autoscale;

/**
 * An app's signals averaged over one window of whole seconds.
 *
 * @param concurrency requests in flight (held ones included), summed over the app's instances
 * @param rps requests completed per second, summed over the app
 * @param cpuPercent mean CPU of the warm instances, in percent of their cpu request (of one core
 *     without a request); NaN when no warm instance reported
 * @param p95Millis the app's p95 response time in the window; NaN without requests
 * @param ready Ready instances at the end of the window
 * @param warm Ready instances past their warm-up
 * @param held requests the gateway holds for an app at zero, at the end of the window
 */
public record Observed(int windowSeconds, double concurrency, double rps, double cpuPercent, double p95Millis,
        int ready, int warm, int held) {
    public static final Observed NONE = new Observed(0, 0, 0, Double.NaN, Double.NaN, 0, 0, 0);

    boolean active() {
        return concurrency > 0 || rps > 0 || held > 0;
    }
}
