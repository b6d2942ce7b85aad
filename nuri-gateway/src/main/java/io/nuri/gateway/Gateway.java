package io.nuri.gateway;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.Cookie;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.util.EventLoopGroups;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.nuri.api.model.Endpoint;
import io.nuri.api.model.RoutingTable;
import io.nuri.api.spec.Route;
import io.nuri.api.spec.Traffic;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nuri's HTTP gateway: a reverse proxy in front of every app's Ready instances, built on Armeria.
 *
 * <pre>{@code
 * Gateway gw = Gateway.builder().http(new InetSocketAddress("127.0.0.1", 8000)).build();
 * gw.start();
 * gw.update(routingTable);        // whenever the endpoint registry publishes
 * gw.inflight("web-7f3a");        // 0 = safe to stop that instance
 * gw.close();
 * }</pre>
 *
 * <p>Hot path: one volatile read of the routing snapshot, a host hash lookup and a prefix scan,
 * a lock-free pick, and Armeria's pooled client on the same event loop; per-request state is one
 * {@link Exchange} plus Armeria's own objects. {@link #update} builds the next snapshot off the
 * hot path and swaps it in one write.
 */
public final class Gateway implements AutoCloseable {
    static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    private static final int MAX_LEARNED_SESSIONS = 100_000;

    private final GatewayBuilder config;
    private final Clock clock;
    private final LongSupplier ticker;
    private final EventLoopGroup eventLoops;
    private final ClientFactory clientFactory;
    private final Server server;
    private final Object updateLock = new Object();

    private volatile RouteTable table = RouteTable.EMPTY;
    private volatile RoutingTable source = null;
    // Guarded by updateLock (written by update(), read by update() only).
    private Map<String, Upstream> upstreams = Map.of();
    private final Map<String, RetryBudget> budgets = new HashMap<>();
    private final Map<String, Traffic.Retries> budgetPolicies = new HashMap<>();
    /** In-flight counters by instance id, kept after an instance leaves the table until it drained. */
    private final ConcurrentHashMap<String, AtomicInteger> inflight = new ConcurrentHashMap<>();
    private final Map<String, Integer> retiredAge = new HashMap<>();
    private final HeldRequests held = new HeldRequests();
    private final SpanTags spanTags = new SpanTags();
    /** Per app key: the app's session cookie value -> instance id that set it (cookie affinity). */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, String>> sessions = new ConcurrentHashMap<>();

    Gateway(GatewayBuilder b) {
        this.config = b;
        this.clock = b.clock;
        this.ticker = b.ticker;
        this.eventLoops = EventLoopGroups.newEventLoopGroup(b.eventLoopThreads, "nuri-gateway", true);
        this.clientFactory = ClientFactory.builder()
                .workerGroup(eventLoops, false)
                .eventLoopSchedulerFactory(LocalEventLoopScheduler::new)
                .connectTimeoutMillis(b.connectTimeoutMillis)
                .idleTimeoutMillis(b.upstreamIdleTimeoutMillis)
                .build();
        final ServerBuilder sb = Server.builder()
                .http(b.http)
                .workerGroup(eventLoops, false)
                .requestTimeoutMillis(0) // per route, on the upstream call
                .maxRequestLength(b.maxRequestBodyBytes)
                .http1MaxHeaderSize(b.maxHeaderBytes)
                .http2MaxHeaderListSize(b.maxHeaderBytes)
                .idleTimeoutMillis(60_000)
                .gracefulShutdownTimeoutMillis(0, 0) // close() is the hard stop; draining happens upstream of it
                .connectionDrainDurationMicros(0)
                .disableServerHeader()
                // WebSocket upgrades get their own route so plain requests never pass through
                // WebSocketService's fallback (which also resets a 0 request timeout to "now").
                .service(com.linecorp.armeria.server.Route.builder().pathPrefix("/")
                                 .matchesHeaders(HttpHeaderNames.UPGRADE, v -> "websocket".equalsIgnoreCase(v))
                                 .build(), WebSocketProxy.service(this))
                .service(com.linecorp.armeria.server.Route.ofCatchAll(), new ProxyService(this));
        b.serverCustomizer.accept(sb);
        this.server = sb.build();
    }

    public static GatewayBuilder builder() {
        return new GatewayBuilder();
    }

    /** Binds the listeners; returns once they accept connections. */
    public void start() {
        server.start().join();
        LOG.info("gateway listening on {}", server.activePorts().keySet());
    }

    /** The bound plain HTTP port (useful with port 0). */
    public int port() {
        return server.activeLocalPort(SessionProtocol.HTTP);
    }

    /** The bound HTTPS port when TLS is configured (see io.nuri.gateway.tls.TlsSetup), else empty. */
    public java.util.OptionalInt httpsPort() {
        boolean tls = server.activePorts().values().stream().anyMatch(p -> p.hasProtocol(SessionProtocol.HTTPS));
        return tls ? java.util.OptionalInt.of(server.activeLocalPort(SessionProtocol.HTTPS)) : java.util.OptionalInt.empty();
    }

    /**
     * Swaps in a new routing snapshot atomically; requests already under way finish on the old
     * one. Idempotent, and a no-op when the table equals the current one. Per-instance state
     * (in-flight counts, ejections, pooled connections) carries over by instance id.
     */
    public void update(RoutingTable next) {
        java.util.Objects.requireNonNull(next, "next");
        synchronized (updateLock) {
            if (next.equals(source)) {
                return;
            }
            final Map<String, Upstream> nextUpstreams = new HashMap<>();
            final List<RouteTable.Entry> entries = new ArrayList<>();
            final Map<String, AppState> appStates = new HashMap<>();
            for (RoutingTable.AppRouting ar : next.apps()) {
                final Traffic traffic = ar.traffic() == null ? Traffic.DEFAULTS : ar.traffic();
                final Upstream[] ups = new Upstream[ar.endpoints().size()];
                for (int i = 0; i < ups.length; i++) {
                    final Endpoint ep = ar.endpoints().get(i);
                    Upstream u = nextUpstreams.get(ep.instanceId());
                    if (u == null) {
                        u = upstream(ep);
                        nextUpstreams.put(ep.instanceId(), u);
                    }
                    ups[i] = u;
                }
                final AppState app = new AppState(ar.namespace(), ar.app(), traffic, ups, balancer(traffic),
                        budget(ar.key(), traffic), ar.hold(), spanTags.bitsFor(ar.key()));
                appStates.put(ar.key(), app);
                for (Route r : ar.routes()) {
                    final String host = r.host() == null || r.host().isEmpty() || Route.ANY_HOST.equals(r.host())
                            ? null : r.host().toLowerCase(java.util.Locale.ROOT);
                    final double t = r.timeoutSeconds() != null ? r.timeoutSeconds() : traffic.timeoutSeconds();
                    entries.add(new RouteTable.Entry(host, RouteTable.normalizePrefix(r.path()), r.stripPrefix(),
                            app, t > 0 ? Math.round(t * 1000) : 0));
                }
            }
            table = new RouteTable(next.version(), entries);
            source = next;
            held.release(appStates);
            // Retire counters of instances that left, once they drained and a full update passed.
            for (String id : upstreams.keySet()) {
                if (!nextUpstreams.containsKey(id)) {
                    retiredAge.putIfAbsent(id, 0);
                }
            }
            retiredAge.keySet().removeIf(nextUpstreams::containsKey);
            retiredAge.replaceAll((id, age) -> age + 1);
            retiredAge.entrySet().removeIf(e -> {
                final AtomicInteger c = inflight.get(e.getKey());
                if (e.getValue() > 1 && (c == null || c.get() == 0)) {
                    inflight.remove(e.getKey());
                    return true;
                }
                return false;
            });
            final java.util.Set<String> liveApps = new java.util.HashSet<>();
            next.apps().forEach(a -> liveApps.add(a.key()));
            budgets.keySet().retainAll(liveApps);
            budgetPolicies.keySet().retainAll(liveApps);
            sessions.keySet().retainAll(liveApps);
            upstreams = nextUpstreams;
        }
    }

    private Upstream upstream(Endpoint ep) {
        final Upstream old = upstreams.get(ep.instanceId());
        if (old != null && old.sameAddress(ep)) {
            old.endpoint = ep;
            return old;
        }
        final AtomicInteger counter = inflight.computeIfAbsent(ep.instanceId(), id -> new AtomicInteger());
        final WebClient client = WebClient.builder(SessionProtocol.H1C,
                        com.linecorp.armeria.client.Endpoint.of(ep.host(), ep.port()))
                .factory(clientFactory)
                .maxResponseLength(0)
                .responseTimeoutMillis(0)
                .build();
        return new Upstream(ep, client, counter);
    }

    private static LoadBalancer balancer(Traffic traffic) {
        final Traffic.LoadBalancer lb = traffic.loadBalancer() == null
                ? Traffic.LoadBalancer.leastRequest : traffic.loadBalancer();
        return switch (lb) {
            case leastRequest -> LoadBalancer.leastRequest();
            case roundRobin -> LoadBalancer.roundRobin();
            case weighted -> LoadBalancer.weighted();
        };
    }

    private RetryBudget budget(String appKey, Traffic traffic) {
        final Traffic.Retries r = traffic.retries() == null ? Traffic.Retries.DEFAULTS : traffic.retries();
        final RetryBudget existing = budgets.get(appKey);
        if (existing != null && r.equals(budgetPolicies.get(appKey))) {
            return existing;
        }
        final RetryBudget b = new RetryBudget(r.budgetPercent(), r.minRetriesPerSecond(), ticker);
        budgets.put(appKey, b);
        budgetPolicies.put(appKey, r);
        return b;
    }

    /** Requests waiting for an instance of an app that scales from zero (see {@link HeldRequests}). */
    public int held(String namespace, String app) {
        return held.held(namespace + '/' + app);
    }

    HeldRequests heldRequests() {
        return held;
    }

    /**
     * Requests in flight to {@code instanceId} now, including after it left the routing table:
     * the controller stops a draining instance once this is 0. Unknown ids: 0.
     */
    public int inflight(String instanceId) {
        final AtomicInteger c = inflight.get(instanceId);
        return c == null ? 0 : c.get();
    }

    /**
     * The app ("namespace/app") whose exchange a span id names, when this gateway issued it (the
     * id carries it, see SpanTags); null for any other id. What the service map follows.
     */
    public String appOfSpan(String spanId) {
        return spanTags.appOf(spanId);
    }

    /**
     * Stops the listeners (in-flight exchanges are cut) and releases threads and connections.
     * Returns once the ports are closed; Armeria's boss threads finish their fixed 2 s Netty quiet
     * period in the background (daemon threads), which would otherwise make every close take 2 s.
     */
    @Override
    public void close() {
        try {
            final java.util.concurrent.CompletableFuture<Void> stopped = server.stop();
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (!stopped.isDone() && !server.activePorts().isEmpty() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
        } finally {
            clientFactory.close();
            eventLoops.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    // ---- for the service ----

    RouteTable table() {
        return table;
    }

    Consumer<RequestSample> listener() {
        return config.requestListener;
    }

    java.util.function.Function<RequestStart, Runnable> startListener() {
        return config.startListener;
    }

    long maxRequestBodyBytes() {
        return config.maxRequestBodyBytes;
    }

    long maxRetryBodyBytes() {
        return config.maxRetryBodyBytes;
    }

    long nanoTime() {
        return ticker.getAsLong();
    }

    long currentTimeMillis() {
        return clock.millis();
    }

    ClientFactory clientFactory() {
        return clientFactory;
    }

    /** Remembers which instance issued an app session cookie, so later requests go back there. */
    void learnSession(AppState app, ResponseHeaders h, Upstream u) {
        if (!h.contains(com.linecorp.armeria.common.HttpHeaderNames.SET_COOKIE)) {
            return;
        }
        final String name = app.traffic.affinity().cookie();
        for (Cookie c : h.cookies()) {
            if (c.name().equals(name) && c.value() != null && !c.value().isEmpty()) {
                final ConcurrentHashMap<String, String> m = sessions.computeIfAbsent(app.key, k -> new ConcurrentHashMap<>());
                if (m.size() >= MAX_LEARNED_SESSIONS) {
                    m.clear(); // crude bound; hashing still places unknown sessions consistently
                }
                m.put(c.value(), u.instanceId);
            }
        }
    }

    int learnedSession(AppState app, String value) {
        final ConcurrentHashMap<String, String> m = sessions.get(app.key);
        if (m == null) {
            return -1;
        }
        final String id = m.get(value);
        if (id == null) {
            return -1;
        }
        final Integer i = app.indexById.get(id);
        return i == null ? -1 : i;
    }

    @Override
    public String toString() {
        return "Gateway{" + server.activePorts().keySet() + ", version=" + table.version + '}';
    }
}
