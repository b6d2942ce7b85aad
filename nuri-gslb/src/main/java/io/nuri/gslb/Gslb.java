package io.nuri.gslb;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.nuri.api.codec.Json;
import io.nuri.gslb.dns.DnsResponder;
import io.nuri.gslb.dns.DnsServer;
import io.nuri.gslb.spec.GlobalService;
import io.nuri.gslb.spec.Site;
import io.nuri.gslb.spec.Subnet;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Name;

/**
 * A running GSLB: health checks of every site, the authoritative DNS front end, the HTTP front
 * proxy and a status endpoint. Built with {@link #builder()}; {@link #close()} stops everything.
 */
public final class Gslb implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gslb.class);
    private static final int MAX_EVENTS = 200;

    private final List<ServiceState> services;
    private final Map<String, ServiceState> byHost = new LinkedHashMap<>();
    private final Map<Name, ServiceState> byName = new LinkedHashMap<>();
    private final List<DnsResponder.Zone> zones;
    private final LongSupplier clock;
    private final long startedAt;
    private final Deque<GslbEvent> events = new ArrayDeque<>();
    private final ScheduledExecutorService timer;
    private final ClientFactory factory;
    private final HealthChecker checker;
    private final java.util.function.Consumer<GslbEvent> eventListener;
    private DnsServer dns;
    private Server http;
    private Server status;

    Gslb(GslbBuilder b) {
        this.clock = b.clock;
        this.startedAt = clock.getAsLong();
        List<ServiceState> states = new ArrayList<>();
        for (GlobalService s : b.services) {
            ServiceState state = new ServiceState(s, startedAt);
            states.add(state);
            for (String h : s.hostnames()) {
                byHost.put(h, state);
                byName.put(absolute(h), state);
            }
        }
        this.services = List.copyOf(states);
        this.zones = zones(b);
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("gslb-health").daemon().factory());
        this.factory = ClientFactory.builder()
                .connectTimeout(Duration.ofMillis(b.connectTimeoutMillis))
                .idleTimeout(Duration.ofSeconds(10))
                .build();
        this.checker = new HealthChecker(factory, timer, clock, this::onTransition);
        this.eventListener = b.eventListener;
    }

    public static GslbBuilder builder() {
        return new GslbBuilder();
    }

    void start(GslbBuilder b) throws IOException {
        checker.start(services);
        try {
            if (b.dnsPort >= 0) {
                dns = DnsServer.start(new DnsResponder(directory()), b.bind, b.dnsPort, 2);
            }
            if (b.httpPort >= 0) {
                http = Server.builder()
                        .http(new InetSocketAddress(b.bind, b.httpPort))
                        .serviceUnder("/", new FrontProxy(this, factory))
                        .maxRequestLength(b.maxBodyBytes)
                        .requestTimeout(Duration.ofSeconds(60))
                        .build();
                http.start().join();
            }
            if (b.statusPort >= 0) {
                status = Server.builder()
                        .http(new InetSocketAddress(b.statusBind, b.statusPort))
                        .service("/status", (ctx, req) -> {
                            if (!authorized(b.statusToken, req.headers().get("authorization"))) {
                                return HttpResponse.of(HttpStatus.UNAUTHORIZED, MediaType.JSON_UTF_8,
                                        "{\"error\":\"missing or wrong bearer token\"}");
                            }
                            return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, Json.write(status()));
                        })
                        .service("/healthz", (ctx, req) -> HttpResponse.of("ok\n"))
                        .build();
                status.start().join();
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    public int dnsPort() {
        return dns == null ? -1 : dns.port();
    }

    public int httpPort() {
        return http == null ? -1 : http.activeLocalPort();
    }

    public int statusPort() {
        return status == null ? -1 : status.activeLocalPort();
    }

    ServiceState serviceForHost(String authority) {
        if (authority == null) {
            return services.size() == 1 ? services.get(0) : null;
        }
        String host = authority.toLowerCase(Locale.ROOT);
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon && host.indexOf(':') == colon) {
            host = host.substring(0, colon);
        }
        ServiceState s = byHost.get(host.endsWith(".") ? host.substring(0, host.length() - 1) : host);
        return s != null ? s : services.size() == 1 ? services.get(0) : null;
    }

    void passiveFailure(ServiceState service, Site site, Throwable err) {
        log.debug("request to site {} of {} failed, moved to the next site: {}", site.name(),
                service.service().name(), err.toString());
    }

    private void onTransition(ServiceState service, SiteHealth site, SiteHealth.Transition t) {
        String reason = t.up() ? "SiteUp" : "SiteDown";
        String message = "site " + site.site().name() + " (" + site.site().authority() + ") is "
                + (t.up() ? "up" : "down") + " for " + service.service().name() + ": " + t.detail();
        GslbEvent e = new GslbEvent(clock.getAsLong(), service.service().name(), site.site().name(), reason, message);
        synchronized (events) {
            events.addLast(e);
            while (events.size() > MAX_EVENTS) {
                events.removeFirst();
            }
        }
        if (t.up()) {
            log.info(message);
        } else {
            log.warn(message);
        }
        try {
            eventListener.accept(e);
        } catch (RuntimeException ex) {
            log.warn("GSLB event listener failed", ex);
        }
    }

    /** The whole state as the status endpoint and {@code nuri gslb status} show it. */
    public GslbStatus status() {
        List<GslbStatus.Service> list = new ArrayList<>();
        for (ServiceState s : services) {
            List<GslbStatus.SiteStatus> sites = new ArrayList<>();
            List<Site> eligible = s.eligible();
            int eligibleWeight = eligible.stream().mapToInt(Site::weight).sum();
            for (int i = 0; i < s.health().size(); i++) {
                SiteHealth h = s.health().get(i);
                Site site = h.site();
                SiteHealth.Snapshot snap = h.snapshot();
                boolean takes = eligible.contains(site);
                double share = !takes ? 0 : switch (s.service().policy()) {
                    case FAILOVER -> eligible.get(0).equals(site) ? 1 : 0;
                    case ROUND_ROBIN -> 1.0 / eligible.size();
                    case WEIGHTED, TOPOLOGY -> eligibleWeight == 0 ? 1.0 / eligible.size() : (double) site.weight() / eligibleWeight;
                };
                sites.add(new GslbStatus.SiteStatus(site.name(), site.address(), site.port(), site.weight(),
                        Math.round(share * 1000) / 1000.0, snap.up(), snap.sinceMillis(), snap.lastCheck(),
                        snap.lastCheckMillis(), snap.consecutiveFailures(), s.dnsAnswers(i), s.httpRequests(i)));
            }
            list.add(new GslbStatus.Service(s.service().name(), s.service().policy().specName(), s.service().hostnames(),
                    s.service().zone(), s.service().ttlSeconds(), sites, s.httpFailovers()));
        }
        List<GslbEvent> recent;
        synchronized (events) {
            recent = List.copyOf(events);
        }
        return new GslbStatus(startedAt, dnsPort(), httpPort(), list, recent);
    }

    private DnsResponder.Directory directory() {
        return new DnsResponder.Directory() {
            @Override
            public List<DnsResponder.Zone> zones() {
                return zones;
            }

            @Override
            public List<InetAddress> addresses(Name name, boolean ipv6, InetAddress client) {
                ServiceState s = byName.get(name.canonicalize());
                if (s == null) {
                    return null;
                }
                List<InetAddress> out = new ArrayList<>();
                for (Site site : SiteSelector.dnsAnswer(s, client, ipv6)) {
                    s.countDns(site);
                    out.add(Subnet.literal(site.address()));
                }
                return out;
            }

            @Override
            public long ttl(Name name) {
                ServiceState s = byName.get(name.canonicalize());
                return s == null ? 0 : s.service().ttlSeconds();
            }

            @Override
            public boolean hasNamesBelow(Name name) {
                Name n = name.canonicalize();
                return byName.keySet().stream().anyMatch(h -> !h.equals(n) && h.subdomain(n));
            }
        };
    }

    private static List<DnsResponder.Zone> zones(GslbBuilder b) {
        Map<String, Long> negativeTtl = new LinkedHashMap<>();
        for (GlobalService s : b.services) {
            negativeTtl.merge(s.zone(), (long) s.ttlSeconds(), Math::min);
        }
        InetAddress nsAddress = b.nameServerAddress != null ? b.nameServerAddress
                : b.bind.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : b.bind;
        long serial = b.clock.getAsLong() / 1000;
        List<DnsResponder.Zone> out = new ArrayList<>();
        negativeTtl.forEach((zone, ttl) -> out.add(DnsResponder.Zone.of(zone + ".", "ns1." + zone + ".", nsAddress,
                serial, ttl)));
        return List.copyOf(out);
    }

    private static Name absolute(String host) {
        try {
            return Name.fromString(host, Name.root).canonicalize();
        } catch (org.xbill.DNS.TextParseException e) {
            throw new IllegalArgumentException(host, e);
        }
    }

    private static boolean authorized(String token, String header) {
        if (token == null) {
            return true;
        }
        String expected = "Bearer " + token;
        return header != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                header.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        checker.close();
        if (status != null) {
            status.stop().join();
        }
        if (http != null) {
            http.stop().join();
        }
        if (dns != null) {
            dns.close();
        }
        timer.shutdownNow();
        factory.closeAsync();
    }
}
