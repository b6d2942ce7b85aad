package io.nuri.gslb;

import io.nuri.gslb.spec.GlobalService;
import io.nuri.gslb.spec.Site;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** One GlobalService at run time: its sites' health and how many answers each site got. */
public final class ServiceState {
    private final GlobalService service;
    private final List<SiteHealth> health;
    private final LongAdder[] dnsAnswers;
    private final LongAdder[] httpRequests;
    private final LongAdder httpFailovers = new LongAdder();
    final AtomicInteger rotation = new AtomicInteger();

    ServiceState(GlobalService service, long nowMillis) {
        this.service = service;
        List<SiteHealth> h = new ArrayList<>();
        for (Site s : service.sites()) {
            h.add(new SiteHealth(s, nowMillis));
        }
        this.health = List.copyOf(h);
        this.dnsAnswers = adders(h.size());
        this.httpRequests = adders(h.size());
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    public GlobalService service() {
        return service;
    }

    public List<SiteHealth> health() {
        return health;
    }

    int indexOf(Site site) {
        return service.sites().indexOf(site);
    }

    void countDns(Site site) {
        dnsAnswers[indexOf(site)].increment();
    }

    void countHttp(Site site) {
        httpRequests[indexOf(site)].increment();
    }

    void countFailover() {
        httpFailovers.increment();
    }

    long dnsAnswers(int site) {
        return dnsAnswers[site].sum();
    }

    long httpRequests(int site) {
        return httpRequests[site].sum();
    }

    long httpFailovers() {
        return httpFailovers.sum();
    }

    /** The sites that take traffic now; every site when none is healthy (fail open, as Route 53). */
    List<Site> eligible() {
        List<Site> up = new ArrayList<>();
        for (SiteHealth h : health) {
            if (h.up()) {
                up.add(h.site());
            }
        }
        return up.isEmpty() ? service.sites() : up;
    }
}
