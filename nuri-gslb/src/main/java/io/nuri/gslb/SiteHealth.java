package io.nuri.gslb;

import io.nuri.gslb.spec.Site;

/**
 * The health of one site for one service, with hysteresis: a site goes down after
 * {@code unhealthyThreshold} failed checks in a row and comes back after {@code healthyThreshold}
 * good ones in a row, so one lost probe never moves traffic. A site starts healthy (as Route 53
 * does) and is checked at once, so a dead site is out within one threshold of checks at start.
 * Thread-safe: checks complete on client threads while DNS and HTTP read {@link #up()}.
 */
public final class SiteHealth {
    /** A change of state, for the event log. */
    public record Transition(boolean up, String detail) {}

    private final Site site;
    private boolean up = true;
    private int failures;
    private int successes;
    private String lastDetail = "not checked yet";
    private long lastCheckMillis;
    private long sinceMillis;

    SiteHealth(Site site, long nowMillis) {
        this.site = site;
        this.sinceMillis = nowMillis;
    }

    public Site site() {
        return site;
    }

    public synchronized boolean up() {
        return up;
    }

    /** Records one check; returns the transition it caused, or null. */
    public synchronized Transition record(boolean ok, String detail, long nowMillis) {
        lastDetail = detail;
        lastCheckMillis = nowMillis;
        if (ok) {
            failures = 0;
            successes++;
            if (!up && successes >= site.healthCheck().healthyThreshold()) {
                up = true;
                sinceMillis = nowMillis;
                return new Transition(true, detail);
            }
        } else {
            successes = 0;
            failures++;
            if (up && failures >= site.healthCheck().unhealthyThreshold()) {
                up = false;
                sinceMillis = nowMillis;
                return new Transition(false, detail);
            }
        }
        return null;
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(up, failures, successes, lastDetail, lastCheckMillis, sinceMillis);
    }

    /** What the status view shows. */
    public record Snapshot(boolean up, int consecutiveFailures, int consecutiveSuccesses, String lastCheck,
            long lastCheckMillis, long sinceMillis) {}
}
