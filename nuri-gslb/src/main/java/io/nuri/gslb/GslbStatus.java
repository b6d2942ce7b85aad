package io.nuri.gslb;

import java.util.List;

/** What {@code GET /status} returns. */
public record GslbStatus(long startedAt, int dnsPort, int httpPort, List<Service> services, List<GslbEvent> events) {
    public record Service(String name, String policy, List<String> hostnames, String zone, int ttlSeconds,
            List<SiteStatus> sites, long httpFailovers) {}

    /**
     * @param share the fraction of new answers this site gets now (0 while down)
     * @param since when the site last changed state
     */
    public record SiteStatus(String name, String address, int port, int weight, double share, boolean up, long since,
            String lastCheck, long lastCheckAt, int consecutiveFailures, long dnsAnswers, long httpRequests) {}
}
